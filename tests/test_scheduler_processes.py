"""The daemon as real processes: a crashing or hanging crawl is recorded and the others carry on; SIGTERM stops
cleanly; kill -9 at any moment, then a restart, loses no mention and stores none twice.

The crawl command is a stand-in spider (``CRAWLER`` below) that stores a world of posts through the real storage
code, one transaction per post as the item pipeline does, and can be told to crash, hang, or stop half-way.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import Mention, Source
from tests.conftest import ROOT, free_port

CRAWLER = r'''
import json, os, sys, time
from datetime import UTC, datetime
from storage.db import Database
from storage.repo import get_or_create_source, record_run, upsert_mention
from yuqing.config import load_settings

settings_path, name = sys.argv[1], sys.argv[2]
work = os.path.dirname(settings_path)
if name == "crash":
    raise RuntimeError("spider exploded on a malformed page")
if name == "hang":
    time.sleep(3600)
settings = load_settings(settings_path)
db = Database(settings.storage.url)
posts = json.load(open(os.path.join(work, "posts.json"), encoding="utf-8"))
for number, post in enumerate(posts):
    if number == len(posts) // 2 and os.path.exists(os.path.join(work, "pause")):
        open(os.path.join(work, "paused"), "w").write(str(os.getpid()))
        while os.path.exists(os.path.join(work, "pause")):
            time.sleep(0.05)
    now = datetime.now(UTC)
    with db.session() as session:
        source = get_or_create_source(session, name, "forum")
        upsert_mention(session, source, {
            "source_kind": "forum", "external_id": post["id"], "url": "http://bbs.example.cn/t/" + post["id"],
            "title": post["title"], "text": post["title"], "published_at": now, "fetched_at": now,
            "stored_at": now, "brand": "青禾", "sentiment": 0.2, "label": "negative"})
with db.session() as session:
    record_run(session, get_or_create_source(session, name, "forum"), items=len(posts), new=len(posts))
print(f"{name}: {len(posts)} items")
'''

DAEMON = r'''
import faulthandler, logging, signal, sys
import yuqing.daemon as scheduler_daemon
from storage.db import Database
from yuqing.config import load_settings

logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
faulthandler.register(signal.SIGUSR1, all_threads=True)  # a daemon that will not stop shows where it is
settings_path, crawler = sys.argv[1], sys.argv[2]
settings = load_settings(settings_path)
db = Database(settings.storage.url)
db.upgrade()
daemon = scheduler_daemon.Daemon(settings, settings_path, db,
                                 crawl_argv=lambda path, name: [sys.executable, crawler, str(path), name])
sys.exit(daemon.run_until_stopped())
'''

SETTINGS = """
[scheduler]
jitter = "0s"
stop_grace = "{stop_grace}"
outbox_interval = "1s"
crawl_timeouts = {{ hang = "2s" }}

[alerts]
enabled = false

{mail}

{sources}
"""

SOURCE = """
[[sources]]
name = "{name}"
kind = "forum"
spider = "feed"
urls = ["http://127.0.0.1:9/feed.xml"]
interval = "{interval}"
"""

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


class Setup:
    def __init__(self, tmp_path: Path, write_settings, sources, interval: str = "1h", stop_grace: str = "60s",
                 posts: int = 40, mail: str = "") -> None:
        self.work = tmp_path
        # Not "crawler.py": run as a script, its folder comes first on sys.path and it would shadow our package.
        self.crawler = tmp_path / "stand_in_crawl.py"
        self.crawler.write_text(CRAWLER, encoding="utf-8")
        (tmp_path / "daemon.py").write_text(DAEMON, encoding="utf-8")
        self.posts = [{"id": f"t{n}", "title": f"青禾空气炸锅冒烟 第{n}帖"} for n in range(posts)]
        (tmp_path / "posts.json").write_text(json.dumps(self.posts, ensure_ascii=False), encoding="utf-8")
        body = "".join(SOURCE.format(name=name, interval=interval) for name in sources)
        self.settings_path = write_settings(SETTINGS.format(stop_grace=stop_grace, mail=mail, sources=body))
        self.db = Database(f"sqlite:///{tmp_path}/yuqing.db")
        self.db.upgrade()

    def daemon_argv(self) -> list[str]:
        return [sys.executable, str(self.work / "daemon.py"), str(self.settings_path), str(self.crawler)]

    def start_daemon(self) -> subprocess.Popen:
        return subprocess.Popen(self.daemon_argv(), cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)

    def pause_crawls(self) -> None:
        (self.work / "pause").touch()

    def resume_crawls(self) -> None:
        (self.work / "pause").unlink(missing_ok=True)

    def wait_for_paused_crawl(self, daemon: subprocess.Popen) -> int:
        marker = self.work / "paused"
        wait_until(lambda: marker.exists() and marker.read_text(), daemon)
        return int(marker.read_text())

    def mention_ids(self, source: str) -> list[str]:
        with self.db.session() as session:
            return list(session.scalars(select(Mention.external_id).join(Source).where(Source.name == source)))

    def source_row(self, name: str) -> Source | None:
        with self.db.session() as session:
            return session.scalar(select(Source).where(Source.name == name))


def wait_until(condition, daemon: subprocess.Popen | None = None, limit: float = 90) -> None:
    """Wait for a condition the daemon brings about; a daemon that dies first fails the test with its output."""
    deadline = time.monotonic() + limit
    while not condition():
        if daemon is not None and daemon.poll() is not None:
            pytest.fail(f"daemon exited with {daemon.returncode}:\n{daemon.stdout.read()}")
        if time.monotonic() > deadline:
            pytest.fail("the daemon did not get there")
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def stop(daemon: subprocess.Popen) -> str:
    daemon.send_signal(signal.SIGTERM)
    output = finished(daemon)
    assert daemon.returncode == 0, output
    return output


def finished(daemon: subprocess.Popen, limit: float = 120) -> str:
    """The daemon's output once it has exited; if it has not within ``limit``, the test fails with the stack of
    every thread in it (faulthandler, see ``DAEMON``): a hang names its cause instead of only timing out."""
    try:
        return daemon.communicate(timeout=limit)[0]
    except subprocess.TimeoutExpired:
        daemon.send_signal(signal.SIGUSR1)
        time.sleep(2)
        daemon.kill()
        pytest.fail(f"the daemon had not exited {limit:.0f}s after SIGTERM:\n{daemon.communicate()[0]}")


@pytest.fixture
def setup(tmp_path, write_settings):
    made = []

    def build(*sources, **options) -> Setup:
        made.append(Setup(tmp_path, write_settings, sources, **options))
        return made[-1]

    yield build
    for one in made:
        one.resume_crawls()
        one.db.dispose()


def test_a_crashing_and_a_hanging_spider_are_recorded_and_the_others_carry_on(setup):
    from yuqing.config import load_settings
    from yuqing.daemon import Daemon

    world = setup("crash", "good", "hang")
    daemon = Daemon(load_settings(world.settings_path), world.settings_path, world.db,
                    crawl_argv=lambda path, name: [sys.executable, str(world.crawler), str(path), name])
    outcomes = {name: daemon.run_crawl(name) for name in ("crash", "good", "hang")}

    assert outcomes["crash"].status == "crashed" and "spider exploded" in outcomes["crash"].summary
    assert outcomes["hang"].status == "timeout"
    assert outcomes["good"].status == "ok"
    assert sorted(world.mention_ids("good")) == sorted(post["id"] for post in world.posts)
    crash, hang, good = (world.source_row(name) for name in ("crash", "hang", "good"))
    assert crash.failures == 1 and "spider exploded on a malformed page" in crash.last_error
    assert hang.failures == 1 and "timed out" in hang.last_error
    assert good.failures == 0 and good.last_error is None

    # Retried at their next turn: still failing, counted again; the good source is unaffected.
    assert daemon.run_crawl("crash").status == "crashed"
    assert daemon.run_crawl("good").status == "ok"
    assert world.source_row("crash").failures == 2
    assert world.source_row("good").failures == 0
    assert len(world.mention_ids("good")) == len(world.posts)


def test_a_crawl_that_records_its_own_error_is_not_counted_twice(setup):
    """`yuqing crawl` notes a blocked or failed run itself and exits 1 or 3: the daemon must not add a failure."""
    from yuqing.config import load_settings
    from yuqing.daemon import Daemon

    world = setup("good")
    world.crawler.write_text(CRAWLER.replace('print(f"{name}: {len(posts)} items")',
                                             'print(f"{name}: 0 items"); sys.exit(3)'), encoding="utf-8")
    daemon = Daemon(load_settings(world.settings_path), world.settings_path, world.db,
                    crawl_argv=lambda path, name: [sys.executable, str(world.crawler), str(path), name])
    assert daemon.run_crawl("good").status == "failed"
    assert world.source_row("good").last_error is None


def test_sigterm_lets_the_running_crawl_finish_then_exits(setup):
    """Issue 14 item 17: this test once timed out under load (no exit 120 s after SIGTERM). What is known:

    - It sends one signal. The handler then took the stop event's lock, which deadlocks only if the signal lands
      while the main thread itself holds it: inside ``Event.wait``'s first few bytecodes, entered once, right after
      start-up, seconds before this signal (the crawl is paused by then). Blocked in the wait, the main thread holds
      no lock and the kernel interrupts it for the handler. So that (fixed) deadlock is not what timed out here.
    - The race found instead (``test_a_crawl_that_starts_while_the_daemon_stops_is_stopped_...``) needs a crawl
      starting as the signal comes; here the crawl is registered before it.
    - Every wait after the signal is bounded: the grace (60 s, the crawl ends in seconds once resumed), the stop of a
      crawl (10 s, then SIGKILL), and ``shutdown(wait=True)`` for the jobs (this crawl; the outbox job, which has
      nothing to send, its database waits bounded by busy_timeout).

    With no hang left that the code can explain, a recurrence must explain itself: ``finished`` fails with every
    thread's stack of the daemon instead of a bare timeout."""
    world = setup("tieba")
    world.pause_crawls()
    daemon = world.start_daemon()
    crawl_pid = world.wait_for_paused_crawl(daemon)
    daemon.send_signal(signal.SIGTERM)
    world.resume_crawls()
    output = finished(daemon)

    assert daemon.returncode == 0, output
    assert "daemon stopped" in output
    assert sorted(world.mention_ids("tieba")) == sorted(post["id"] for post in world.posts)
    assert world.source_row("tieba").last_success_at is not None
    assert not alive(crawl_pid)


def test_sigterm_stops_a_crawl_that_outlives_the_grace_period(setup):
    world = setup("tieba", stop_grace="1s")
    world.pause_crawls()
    daemon = world.start_daemon()
    crawl_pid = world.wait_for_paused_crawl(daemon)
    daemon.send_signal(signal.SIGTERM)
    output = finished(daemon)

    assert daemon.returncode == 0, output
    assert "stopping crawl tieba" in output
    assert not alive(crawl_pid)
    # What it stored before it was stopped is kept; the rest comes at the next turn.
    assert len(world.mention_ids("tieba")) == len(world.posts) // 2


def test_a_crawl_that_starts_while_the_daemon_stops_is_stopped_not_left_to_run_to_its_time_limit(setup):
    """Between ``run_crawl``'s look at ``stopping`` and the registration of its process, a stop looking at the
    running crawls finds none; the crawl then ran unseen to its time limit (15 minutes by default) while
    ``shutdown(wait=True)`` waited for it, past ``stop_grace`` and deaf to a second signal. The crawl thread is held
    in that window (``crawl_argv`` is called there) until the stop has looked."""
    from yuqing.config import load_settings
    from yuqing.daemon import Daemon

    world = setup("hang")  # the stand-in sleeps for an hour; settings give this source 2 s
    in_window, stop_has_looked = threading.Event(), threading.Event()

    def crawl_argv(path: Path, name: str) -> list[str]:
        in_window.set()
        stop_has_looked.wait(60)
        return [sys.executable, str(world.crawler), str(path), name]

    daemon = Daemon(load_settings(world.settings_path), world.settings_path, world.db, crawl_argv=crawl_argv)
    outcomes = []
    crawl = threading.Thread(target=lambda: outcomes.append(daemon.run_crawl("hang")))
    crawl.start()
    assert in_window.wait(60)
    daemon.stop(grace=60)  # no scheduler here: it sets `stopping`, finds no crawl, and returns
    stop_has_looked.set()
    crawl.join(120)
    assert outcomes and outcomes[0].status == "stopped", outcomes


def test_kill_9_during_a_crawl_then_restart_loses_and_duplicates_nothing(setup):
    world = setup("tieba", interval="2s")
    world.pause_crawls()
    first = world.start_daemon()
    crawl_pid = world.wait_for_paused_crawl(first)
    stored_before = len(world.mention_ids("tieba"))
    # The power goes: the daemon and its crawl die mid-way, without a chance to clean up.
    os.kill(first.pid, signal.SIGKILL)
    os.kill(crawl_pid, signal.SIGKILL)
    first.communicate(timeout=30)
    assert stored_before == len(world.posts) // 2

    world.resume_crawls()
    (world.work / "paused").unlink()
    second = world.start_daemon()
    wait_until(lambda: (row := world.source_row("tieba")) is not None and row.last_success_at is not None, second)
    stop(second)

    ids = world.mention_ids("tieba")
    assert sorted(ids) == sorted(post["id"] for post in world.posts)
    with world.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Mention)) == len(world.posts)


class HoldingSmtpServer:
    """Accepts mail, but holds the ``hold_at``-th message's DATA until released: a sender killed right then."""

    def __init__(self, hold_at: int) -> None:
        self.hold_at = hold_at
        self.received: list[str] = []
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        import asyncio
        from email import message_from_bytes

        self.received.append(message_from_bytes(envelope.content)["Message-ID"])
        if len(self.received) == self.hold_at:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
        return "250 OK"



def test_kill_9_while_sending_then_restart_sends_every_email_and_repeats_none_but_the_one_in_flight(setup):
    from aiosmtpd.controller import Controller

    from delivery.mime import message_id
    from delivery.models import OutboxMessage
    from delivery.outbox import SENT, delivery_id, enqueue
    from storage.installation import instance_id
    from yuqing.config import load_settings

    port = free_port()
    smtp = HoldingSmtpServer(hold_at=3)
    controller = Controller(smtp, hostname="127.0.0.1", port=port)
    controller.start()
    mail = (f'[mail]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nsending_lease = "1s"\n'
            f'retry_backoff = ["1s"]\n')
    world = setup("tieba", mail=mail)
    with world.db.session() as session:
        for n in range(6):
            enqueue(session, kind="alert", recipients=["pr@qinghe.example"], subject=f"【严重】青禾 预警 {n}",
                    text="负面舆情预警", html=None, key=f"alert-{n}")
    try:
        first = world.start_daemon()
        wait_until(smtp.holding.is_set, first)
        os.kill(first.pid, signal.SIGKILL)
        first.communicate(timeout=30)
        smtp.release.set()
        in_flight = smtp.received[-1]

        second = world.start_daemon()
        wait_until(lambda: all(state == SENT for state in outbox_states(world)), second)
        stop(second)
    finally:
        smtp.release.set()
        controller.stop()

    sender = load_settings(world.settings_path).mail.sender
    with world.db.session() as session:
        instance = instance_id(session)
        expected = {message_id(delivery_id(row.id, row.key, instance), sender)
                    for row in session.scalars(select(OutboxMessage))}
    assert set(smtp.received) == expected
    repeated = {mid for mid in smtp.received if smtp.received.count(mid) > 1}
    # Only the message the server took while the sender died can come twice, and it comes with the same
    # Message-ID, so mail clients show it once.
    assert repeated <= {in_flight}


def outbox_states(world: Setup) -> list[str]:
    from delivery.models import OutboxMessage

    with world.db.session() as session:
        return list(session.scalars(select(OutboxMessage.state)))
