"""A crawl run shared by the leader and the workers through redis: started once, split, ended once, recorded once.

The leader starts a run of a source by writing the run's hash and pushing one start message; a worker takes the
message and pushes the source's start requests into the shared scrapy-redis queue, from which every worker takes
requests and into which every worker pushes the follow-ups (next pages, details). When is a run over, with
requests on several machines? Three counters on the run's hash answer it without asking any worker:

- ``pushed``: messages and requests put in the queue (the start message counts as the first);
- ``claimed``: taken out of it, counted in the same script that takes it;
- ``done``: claimed ones whose processing is over. A worker reports its claimed requests done when its engine
  for the source is idle: downloads finished, callbacks run, follow-ups already pushed, items stored.

Follow-ups are pushed before their parent counts as done, so ``pushed == done`` holds only when nothing is queued
and nothing is in progress anywhere: the run is over. Every change is one Lua script, so no reader sees a request
that has left the queue without being claimed. A worker that dies holding requests leaves ``claimed > done``; the
run then ends at its deadline (the source's crawl time limit) and is recorded as timed out with what it brought.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

_START = """
if redis.call('HGET', KEYS[1], 'finished') == '0' then return 0 end
local id = redis.call('INCR', KEYS[8])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
redis.call('HSET', KEYS[1], 'id', id, 'started', ARGV[1], 'deadline', ARGV[2], 'pushed', 1, 'claimed', 0,
           'done', 0, 'finished', 0, 'items', 0, 'new', 0, 'updated', 0, 'unmatched', 0, 'failed', 0, 'pages', 0)
redis.call('RPUSH', KEYS[7], id)
return id
"""

_PUSH = """
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'finished') ~= '0' then
  return 0
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('HINCRBY', KEYS[1], 'pushed', 1)
return 1
"""

_POP = """
local found = redis.call('ZRANGE', KEYS[2], 0, 0)
if not found[1] then return false end
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, 0)
redis.call('HINCRBY', KEYS[1], 'claimed', 1)
return found[1]
"""

_POP_START = """
local message = redis.call('LPOP', KEYS[2])
if message then redis.call('HINCRBY', KEYS[1], 'claimed', 1) end
return message
"""

_REPORT = """
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
local names = {'done', 'pages', 'items', 'new', 'updated', 'unmatched', 'failed'}
for i, name in ipairs(names) do
  local value = tonumber(ARGV[i + 2])
  if value ~= 0 then redis.call('HINCRBY', KEYS[1], name, value) end
end
if tonumber(ARGV[4]) ~= 0 then redis.call('HINCRBY', KEYS[3], ARGV[2], ARGV[4]) end
for i = 10, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
return 1
"""

_BLOCK = """
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
redis.call('HSETNX', KEYS[1], 'blocked', ARGV[2])
local queued = redis.call('ZCARD', KEYS[2])
redis.call('DEL', KEYS[2])
redis.call('HINCRBY', KEYS[1], 'claimed', queued)
redis.call('HINCRBY', KEYS[1], 'done', queued)
return queued
"""

# Ending a run and dropping its queue, fingerprints and seen ids is one step, and so is reading what it brought:
# a run started by another thread in between must find nothing of the old one and lose nothing of its own.
_FINISH = """
local run = redis.call('HMGET', KEYS[1], 'finished', 'pushed', 'done')
if run[1] ~= '0' then return false end
if ARGV[1] == '0' and run[2] ~= run[3] then return false end
redis.call('HSET', KEYS[1], 'finished', ARGV[2])
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return {redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[6], 0, -1), redis.call('HGETALL', KEYS[7])}
"""

# Fleet-wide politeness: one reservation per site (and cookie) on redis's own clock, shared by every worker.
# Numbers are formatted by hand: Lua would write 1.7e+12 for a millisecond timestamp.
_RESERVE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local free_at = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, free_at)
local delay = tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', at + delay), 'PX', string.format('%.0f', at + delay - now + 1000))
return at - now
"""

COUNTERS = ("pages", "items", "new", "updated", "unmatched", "failed")
HISTORY = 200


@dataclass
class Keys:
    """Every redis key of one source, in one place (scrapy-redis is configured with the same names)."""

    prefix: str
    source: str

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return f"{self.prefix}:{self.source}:{name}"


@dataclass
class RunState:
    """A run as its hash holds it, plus its errors and who fetched its pages."""

    source: str
    id: int
    started: float
    deadline: float
    finished: str
    pushed: int
    claimed: int
    done: int
    counts: dict[str, int]
    blocked: str | None = None
    errors: list[str] = field(default_factory=list)
    pages_by_worker: dict[str, int] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.finished == "0"


def _pairs(flat: list) -> dict:
    """A Lua script's HGETALL: a flat list of keys and values."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _run_state(source: str, raw: dict, errors: list, pages: dict) -> RunState | None:
    if not raw:
        return None
    run = {key.decode(): value.decode() for key, value in raw.items()}
    return RunState(
        source=source, id=int(run["id"]), started=float(run["started"]), deadline=float(run["deadline"]),
        finished=run["finished"], pushed=int(run["pushed"]), claimed=int(run["claimed"]), done=int(run["done"]),
        counts={name: int(run.get(name, 0)) for name in COUNTERS}, blocked=run.get("blocked"),
        errors=[e.decode("utf-8", "replace") for e in errors],
        pages_by_worker={w.decode(): int(n) for w, n in pages.items()},
    )


class RunBook:
    """The shared record of crawl runs: the leader starts and ends runs, workers take, push and report."""

    def __init__(self, client, prefix: str = "yuqing") -> None:
        self.client = client
        self.prefix = prefix
        self._start = client.register_script(_START)
        self._push = client.register_script(_PUSH)
        self._pop = client.register_script(_POP)
        self._pop_start = client.register_script(_POP_START)
        self._report = client.register_script(_REPORT)
        self._block = client.register_script(_BLOCK)
        self._finish = client.register_script(_FINISH)
        self._reserve = client.register_script(_RESERVE)

    def keys(self, source: str) -> Keys:
        return Keys(self.prefix, source)

    # --- the leader ----------------------------------------------------------------------------------------------

    def start(self, source: str, limit_seconds: float, now: float | None = None) -> int | None:
        """Start a run unless one is going; returns its id, or None when the previous run is still active."""
        k = self.keys(source)
        now = time.time() if now is None else now
        run_id = self._start(keys=[k.run, k.requests, k.dupefilter, k.seen, k.errors, k.pages, k.start, k.runs],
                             args=[repr(now), repr(now + limit_seconds)])
        return int(run_id) or None

    def state(self, source: str) -> RunState | None:
        k = self.keys(source)
        with self.client.pipeline() as pipe:
            pipe.hgetall(k.run).lrange(k.errors, 0, -1).hgetall(k.pages)
            raw, errors, pages = pipe.execute()
        return _run_state(source, raw, errors, pages)

    def finish(self, source: str, *, force: str | None = None) -> RunState | None:
        """End the active run if it is over (or at once, with ``force`` naming why). Returns the ended run to the
        one caller that ended it, which alone records it; None to everyone else."""
        k = self.keys(source)
        ended = self._finish(keys=[k.run, k.requests, k.dupefilter, k.seen, k.start, k.errors, k.pages],
                             args=["1" if force else "0", force or "done"])
        if not ended:
            return None
        raw, errors, pages = ended
        return _run_state(source, _pairs(raw), errors, _pairs(pages))

    def remember(self, state: RunState, status: str) -> None:
        """Note an ended run in its source's history (what ``bench.scale`` and the fleet test read)."""
        entry = json.dumps({"id": state.id, "status": status, "started": state.started, "ended": time.time(),
                            **state.counts, "errors": len(state.errors), "blocked": state.blocked,
                            "pages_by_worker": state.pages_by_worker}, ensure_ascii=False)
        key = self.keys(state.source).history
        with self.client.pipeline() as pipe:
            pipe.rpush(key, entry).ltrim(key, -HISTORY, -1)
            pipe.execute()

    def history(self, source: str) -> list[dict]:
        return [json.loads(entry) for entry in self.client.lrange(self.keys(source).history, 0, -1)]

    def blocked(self, source: str) -> str | None:
        value = self.client.get(self.keys(source).blocked)
        return value.decode("utf-8", "replace") if value else None

    # --- the workers ---------------------------------------------------------------------------------------------

    def take_start(self, source: str) -> int | None:
        k = self.keys(source)
        message = self._pop_start(keys=[k.run, k.start])
        return int(message) if message else None

    def push(self, source: str, run_id: int, score: float, data: bytes) -> bool:
        k = self.keys(source)
        return bool(self._push(keys=[k.run, k.requests], args=[str(run_id), repr(score), data]))

    def pop(self, source: str) -> bytes | None:
        k = self.keys(source)
        return self._pop(keys=[k.run, k.requests])

    def queued(self, source: str) -> int:
        return self.client.zcard(self.keys(source).requests)

    def run_started(self, source: str, run_id: int) -> float | None:
        """When run ``run_id`` started, or None if it is not the source's current run."""
        current, started = self.client.hmget(self.keys(source).run, "id", "started")
        if current is None or int(current) != run_id:
            return None
        return float(started)

    def report(self, source: str, run_id: int, worker: str, done: int, counts: dict[str, int],
               errors: list[str]) -> None:
        k = self.keys(source)
        self._report(keys=[k.run, k.errors, k.pages],
                     args=[str(run_id), worker, done, *(counts.get(name, 0) for name in COUNTERS),
                           *(e[:2000] for e in errors)])

    def block(self, source: str, run_id: int, reason: str, backoff_seconds: float) -> int:
        """Every worker stops crawling the source: the queue is dropped and the blocked key set for the back-off."""
        k = self.keys(source)
        return int(self._block(keys=[k.run, k.requests, k.blocked],
                               args=[str(run_id), reason, int(backoff_seconds * 1000)]))

    def reserve(self, slot: str, delay_seconds: float) -> float:
        """Seconds to wait before the next request to ``slot`` (a site, or a site and cookie), fleet-wide."""
        wait_ms = self._reserve(keys=[f"{self.prefix}:slot:{slot}"], args=[int(delay_seconds * 1000)])
        return int(wait_ms) / 1000
