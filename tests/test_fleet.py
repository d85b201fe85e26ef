"""Several machines, played by processes on one: a scheduler leader, a hot standby and two crawl workers, on the real
PostgreSQL and redis-server, crawling demo sites that answer with a site's latency. The leader is killed with
SIGKILL half-way: the standby takes over, and no crawl, mention or email happens twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from tests.conftest import ROOT, free_port, require_service, run_cli

INTERVAL = 12
BRANDS, PER_BRAND = 3, 12
MAILS = 10

SETTINGS = """
[crawl]
redis_url_env = "FLEET_TEST_REDIS"
redis_prefix = "{prefix}"
worker_concurrency = 4

[scheduler]
jitter = "0s"
crawl_timeout = "60s"
outbox_interval = "1s"

[alerts]
enabled = false

[digest]
enabled = false

[mail]
host = "127.0.0.1"
port = {smtp_port}
security = "none"

[mail.departments]
pr = ["pr@example.cn"]

[[sources]]
name = "fleet-heimao"
kind = "complaint"
spider = "heimao"
base_url = "{base}"
interval = "{interval}s"
delay = 0
lookback = "30d"

[[sources]]
name = "fleet-weibo"
kind = "social"
spider = "weibo"
base_url = "{base}"
interval = "{interval}s"
delay = 0
backoff = "1h"
keywords = [{weibo_keywords}]

[[sources]]
name = "fleet-tieba"
kind = "forum"
spider = "tieba"
base_url = "{base}"
forums = ["scale"]
interval = "{interval}s"
delay = 0.02
lookback = "30d"
"""


class SlowSmtp:
    """Takes 1.5 s per message, so the leader is killed with mail still to send."""

    def __init__(self) -> None:
        self.received: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        import asyncio
        from email import message_from_bytes

        await asyncio.sleep(1.5)
        self.received.append(message_from_bytes(envelope.content)["Message-ID"])
        return "250 OK"


class Fleet:
    """The processes of the fleet, each logging to a file of its own."""

    def __init__(self, tmp_path, settings_path, redis_url: str) -> None:
        self.tmp_path = tmp_path
        self.settings_path = settings_path
        self.env = {**os.environ, "FLEET_TEST_REDIS": redis_url, "PYTHONPATH": str(ROOT)}
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, role: str) -> subprocess.Popen:
        log = open(self.tmp_path / f"{name}.log", "w")  # noqa: SIM115 (closed with the process in stop_all)
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "yuqing.cli", "--settings", str(self.settings_path), "run", "--role", role],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, text=True)
        return self.processes[name]

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def wait_for(self, condition, what: str, limit: float = 90) -> float:
        started = time.monotonic()
        while not condition():
            for name, process in self.processes.items():
                if process.poll() is not None and name != "leader":
                    pytest.fail(f"{name} exited with {process.returncode} waiting for {what}:\n{self.log(name)}")
            if time.monotonic() - started > limit:
                logs = "\n".join(f"--- {name}\n{self.log(name)[-3000:]}" for name in self.processes)
                pytest.fail(f"timed out waiting for {what}\n{logs}")
            time.sleep(0.1)
        return time.monotonic() - started

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def redis_client():
    import redis

    url = require_service("YUQING_TEST_REDIS_URL", "redis-server")
    client = redis.Redis.from_url(url)
    prefix = f"fleet-test-{uuid.uuid4().hex[:8]}"
    yield url, client, prefix
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def first_pages(server) -> Counter[str]:
    """How often each search or forum list was asked for its first page: once per run, whatever the workers."""
    counted: Counter[str] = Counter()
    for request in server.requests:
        parts = urlsplit(request)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/api/index/s" and query.get("page") == "1":
            counted[f"heimao:{query['keywords']}"] += 1
        elif parts.path == "/f" and query.get("pn") == "0":
            counted[f"tieba:{query['kw']}"] += 1
    return counted


def test_a_leader_a_standby_and_two_workers_crawl_each_source_once_per_interval_and_survive_kill_9(
        tmp_path, write_settings, postgres_url, redis_client):
    from aiosmtpd.controller import Controller

    from delivery.mime import message_id
    from delivery.models import OutboxMessage
    from delivery.outbox import delivery_id, enqueue
    from demo.scale import SlowDemoServer, brand_names, scale_world
    from fleet.runs import RunBook
    from storage.db import Database
    from storage.installation import instance_id
    from storage.models import Mention, Source
    from yuqing.config import load_settings

    redis_url, client, prefix = redis_client
    brands = brand_names(BRANDS)
    world = scale_world(brands, PER_BRAND)
    # Weibo answers every request with 418: one worker's blocked answer must rest the source for the whole fleet.
    world.blocked["weibo"] = "418"
    server = SlowDemoServer(world, latency=(0.02, 0.08)).start()
    smtp, smtp_port = SlowSmtp(), free_port()
    controller = Controller(smtp, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    brand_toml = "".join(f'\n[[brands]]\nname = "{name}"\n' for name in brands)
    settings_path = write_settings(
        SETTINGS.format(prefix=prefix, smtp_port=smtp_port, base=server.url, interval=INTERVAL,
                        weibo_keywords=", ".join(f'"词{n}"' for n in range(30))) + brand_toml,
        url=postgres_url)
    settings = load_settings(settings_path)
    db = Database(postgres_url)
    db.upgrade()
    book = RunBook(client, prefix)
    crawled = [source for source in settings.sources if source.name != "fleet-weibo"]
    fleet = Fleet(tmp_path, settings_path, redis_url)
    started = time.monotonic()
    try:
        fleet.start("worker-1", "worker")
        fleet.start("worker-2", "worker")
        fleet.start("leader", "scheduler")
        fleet.wait_for(lambda: "leader: this process schedules" in fleet.log("leader"), "the first leader")
        fleet.start("standby", "scheduler")
        fleet.wait_for(lambda: "standby: another scheduler leads" in fleet.log("standby"), "the standby")
        fleet.wait_for(lambda: all(book.history(s.name) for s in settings.sources), "a first run of every source")

        with db.session() as session:
            for n in range(MAILS):
                enqueue(session, kind="alert", recipients=["pr@example.cn"], subject=f"【一般】预警 {n}",
                        text="负面舆情预警", html=None, key=f"fleet-alert-{n}")
        # The leader dies with a crawl run in progress on the workers and mail half sent.
        fleet.wait_for(lambda: any((state := book.state(s.name)) and state.active and state.id >= 2
                                   for s in crawled) and smtp.received, "a second run in progress")
        os.kill(fleet.processes["leader"].pid, signal.SIGKILL)
        fleet.processes["leader"].wait(10)
        mails_at_kill = len(smtp.received)
        runs_before = {s.name: len(book.history(s.name)) for s in settings.sources}
        takeover = fleet.wait_for(lambda: "leader: this process schedules" in fleet.log("standby"), "takeover", 30)
        fleet.wait_for(lambda: all(len(book.history(s.name)) >= runs_before[s.name] + 2 for s in crawled)
                       and len(smtp.received) >= MAILS - 1, "runs and mail under the new leader")
        status = run_cli("--settings", str(settings_path), "status", env=fleet.env)
    finally:
        fleet.stop_all()
        controller.stop()
        server.stop()
    elapsed = time.monotonic() - started

    assert takeover < 30, f"the standby took {takeover:.1f}s to take over"
    assert 0 < mails_at_kill < MAILS, "the leader was to die with mail half sent"
    assert "调度主节点：" in status.stdout and "leading since" in status.stdout, status.stdout + status.stderr
    with db.session() as session:
        stored = dict(session.execute(select(Source.name, func.count(Mention.id)).join(Mention)
                                      .group_by(Source.name)).all())
        instance = instance_id(session)
        expected = {message_id(delivery_id(row.id, row.key, instance), settings.mail.sender)
                    for row in session.scalars(select(OutboxMessage))}
        sources = {row.name: row for row in session.scalars(select(Source))}
    db.dispose()

    weibo = book.history("fleet-weibo")
    assert [run["status"] for run in weibo] == ["blocked"], "one run, then the back-off, fleet-wide"
    assert sources["fleet-weibo"].blocked_until is not None and "418" in sources["fleet-weibo"].blocked_reason
    # Of its 30 searches, only those already in flight on the two workers (4 each) when the first 418 came back.
    assert server.served["/api/container/getIndex"] <= 2 * 4, server.served["/api/container/getIndex"]
    for source in crawled:
        history = book.history(source.name)
        # Each run recorded once, the one in progress at the kill included: ids in order, none missing or repeated.
        assert [run["id"] for run in history] == list(range(1, len(history) + 1))
        assert {run["status"] for run in history} == {"ok"}, history
        starts = [run["started"] for run in history]
        # Once per interval, not once per process: runs of a source never start closer than the interval allows.
        gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
        assert all(gap >= INTERVAL * 0.8 for gap in gaps), (source.name, gaps)
        assert len(history) <= elapsed / INTERVAL + 1, (source.name, len(history), elapsed)
        # Every post stored exactly once: as many rows as posts, and each counted new in exactly one run.
        assert stored[source.name] == BRANDS * PER_BRAND
        assert sum(run["new"] for run in history) == BRANDS * PER_BRAND, history
        assert sources[source.name].failures == 0, sources[source.name].last_error
    # The first page of each search and each forum list was fetched once per run, by whichever worker took it. The
    # fleet stops wherever it is, so the last run may still be going, unrecorded: its first page may have been
    # fetched or not, but never twice.
    recorded = {s.spider: len(book.history(s.name)) for s in crawled}
    going = {s.spider: int(bool((state := book.state(s.name)) and state.active)) for s in crawled}
    for name, count in first_pages(server).items():
        site = name.partition(":")[0]
        assert recorded[site] <= count <= recorded[site] + going[site], (
            name, count, recorded, going, fleet.log("standby")[-6000:])
    # Pages split between the workers: each fetched some, within some run.
    by_worker = Counter()
    for source in crawled:
        for run in book.history(source.name):
            by_worker.update(run["pages_by_worker"])
    assert len(by_worker) == 2 and min(by_worker.values()) > 0, by_worker

    assert not [mid for mid, n in Counter(smtp.received).items() if n > 1], "an email was sent twice"
    # All sent, but perhaps the one the killed leader had in hand: it waits for its lease (5 minutes) to pass.
    assert len(expected - set(smtp.received)) <= 1
