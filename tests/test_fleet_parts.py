"""The fleet's parts on the real servers: the leader lock on PostgreSQL, the run counters and politeness in redis."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import require_service


@pytest.fixture
def book():
    import redis

    from fleet.runs import RunBook

    client = redis.Redis.from_url(require_service("YUQING_TEST_REDIS_URL", "redis-server"))
    prefix = f"parts-{uuid.uuid4().hex[:8]}"
    yield RunBook(client, prefix)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def test_one_scheduler_holds_the_lock_and_a_standby_gets_it_when_the_leaders_session_dies(postgres_url):
    from fleet.leader import Leadership

    leader, standby = Leadership(postgres_url), Leadership(postgres_url)
    try:
        assert leader.acquire()
        assert not standby.acquire()
        assert leader.held()
        # The leader's process dies: its session ends and PostgreSQL releases the lock with it.
        pid = leader.connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        admin = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()
        assert standby.acquire()
        assert not leader.held(), "a leader whose session died must know it no longer leads"
        assert not leader.acquire()
    finally:
        leader.release()
        standby.release()


def test_a_run_ends_only_when_everything_pushed_is_done_and_is_recorded_by_one_caller(book):
    run = book.start("forum", limit_seconds=60)
    assert run == 1
    assert book.start("forum", limit_seconds=60) is None, "a second run of a source while one is going"

    assert book.take_start("forum") == run
    assert book.push("forum", run, 0, b"page-1") and book.push("forum", run, 0, b"page-2")
    assert book.pop("forum") == b"page-1"
    book.report("forum", run, "worker-a", done=2, counts={"pages": 1, "items": 10, "new": 10}, errors=[])
    assert not book.finish("forum"), "page-2 is still queued"

    assert book.pop("forum") == b"page-2"
    assert not book.finish("forum"), "page-2 is taken but not done"
    book.report("forum", run, "worker-b", done=1, counts={"pages": 1, "items": 5, "new": 4}, errors=["HTTP 500"])
    state = book.finish("forum")
    assert state is not None
    assert book.finish("forum") is None, "ended once, recorded by one caller"

    assert (state.pushed, state.claimed, state.done) == (3, 3, 3)
    assert state.counts["items"] == 15 and state.counts["new"] == 14
    assert state.pages_by_worker == {"worker-a": 1, "worker-b": 1}
    assert state.errors == ["HTTP 500"]
    assert not book.push("forum", run, 0, b"late"), "a follow-up of an ended run is dropped"
    assert book.start("forum", limit_seconds=60) == 2
    # The ended run was cleared when it ended, not afterwards: the next run's start message is still there.
    assert book.take_start("forum") == 2


def test_a_block_empties_the_queue_for_every_worker_and_rests_the_source(book):
    run = book.start("weibo", limit_seconds=60)
    book.take_start("weibo")
    for n in range(5):
        book.push("weibo", run, 0, f"search-{n}".encode())
    book.pop("weibo")

    assert book.block("weibo", run, "weibo HTTP 418", backoff_seconds=60) == 4
    assert book.blocked("weibo") == "weibo HTTP 418"
    assert book.queued("weibo") == 0
    book.report("weibo", run, "worker-a", done=2, counts={}, errors=[])
    assert book.finish("weibo")
    assert book.state("weibo").blocked == "weibo HTTP 418"


def test_the_site_delay_holds_across_workers_sharing_one_reservation(book):
    waits = [book.reserve("tousu.example.cn", 0.3) for _ in range(4)]
    other_site = book.reserve("tieba.example.cn", 0.3)

    # Each worker asking in turn gets the next free slot: 0, 0.3, 0.6, 0.9 s from now (less the time asking takes).
    for number, wait in enumerate(waits):
        assert number * 0.3 - 0.1 <= wait <= number * 0.3 + 0.01, waits
    assert other_site == 0
    time.sleep(1.5)  # the four reservations end 1.2 s from the first
    assert book.reserve("tousu.example.cn", 0.3) == 0, "a slot free again once its delay has passed"


def test_the_fleet_roles_say_what_they_need_instead_of_starting_on_sqlite(write_settings):
    from tests.conftest import run_cli

    path = write_settings('\n[[sources]]\nname = "news"\nkind = "news"\nspider = "feed"\nurls = ["http://127.0.0.1:9/"]\n')
    for role in ("worker", "scheduler"):
        done = run_cli("--settings", str(path), "run", "--role", role, timeout=60)
        assert done.returncode != 0
        assert "PostgreSQL" in done.stderr, done.stderr
