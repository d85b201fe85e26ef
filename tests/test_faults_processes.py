"""Faults, class "processes": the daemon killed, two crawls of one source, a signal at the wrong instant.

Issue 14 items 11 (orphan crawls: a crawl dies with its daemon, and one source is never crawled twice at once) and
17 (the flaky SIGTERM test: the signal handler took locks the interrupted main thread could be holding, a deadlock
that never ends; the handler now takes none), plus the scheduler loop surviving a failed job-store write.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import ROOT, free_port, run_cli
from tests.test_scheduler_processes import Setup, alive, wait_until

HOLD = r'''
import sys, time
from storage.db import Database
with Database(sys.argv[1]).exclusive(sys.argv[2]) as mine:
    print("held" if mine else "busy", flush=True)
    time.sleep(3600 if mine else 0)
'''


@pytest.fixture
def world(tmp_path, write_settings):
    made = Setup(tmp_path, write_settings, ["tieba"])
    yield made
    made.resume_crawls()
    made.db.dispose()


def test_a_crawl_dies_with_its_daemon_even_after_kill_9_and_the_restart_completes_it(tmp_path, write_settings):
    world = Setup(tmp_path, write_settings, ["tieba"], interval="2s")
    try:
        world.pause_crawls()
        first = world.start_daemon()
        crawl_pid = world.wait_for_paused_crawl(first)
        first.kill()  # only the daemon: its crawl must go by itself
        first.communicate(timeout=60)
        deadline = time.monotonic() + 30
        while alive(crawl_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(crawl_pid), "the crawl outlived its daemon"
        assert len(world.mention_ids("tieba")) == len(world.posts) // 2

        world.resume_crawls()
        (world.work / "paused").unlink()
        second = world.start_daemon()
        wait_until(lambda: (row := world.source_row("tieba")) is not None and row.last_success_at is not None,
                   second)
        second.send_signal(signal.SIGTERM)
        output, _ = second.communicate(timeout=120)
        assert second.returncode == 0, output
        assert sorted(world.mention_ids("tieba")) == sorted(post["id"] for post in world.posts)
    finally:
        world.resume_crawls()
        world.db.dispose()


def hold_lock(url: str, name: str) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, url, name], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_source_lock_is_held_by_one_process_and_freed_by_its_death(database):
    holder = hold_lock(database.url, "crawl-tieba")
    try:
        with database.exclusive("crawl-tieba") as mine:
            assert not mine
        with database.exclusive("crawl-weibo") as other:
            assert other  # another source is another lock
    finally:
        holder.kill()  # kill -9: no clean-up code runs
        holder.wait()
    deadline = time.monotonic() + 30
    while True:
        with database.exclusive("crawl-tieba") as mine:
            if mine:
                break
        assert time.monotonic() < deadline, "a dead holder's lock was never freed"
        time.sleep(0.2)


def test_a_second_crawl_of_a_source_skips_while_the_first_runs(write_settings, database):
    port = free_port()
    path = write_settings(f'\n[[sources]]\nname = "news"\nkind = "news"\nspider = "feed"\n'
                          f'urls = ["http://127.0.0.1:{port}/rss.xml"]\n', url=database.url)
    holder = hold_lock(database.url, "crawl-news")
    try:
        done = run_cli("--settings", str(path), "crawl", "news")
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "news: skipped, another crawl of this source is still running"


def test_the_signal_handler_returns_while_the_main_thread_holds_every_daemon_lock(world):
    """A signal lands between two bytecodes of the main thread, which may be inside ``Event.wait`` (holding the
    stop event's lock) or inside ``stop`` (holding the children lock). The handler runs in that same thread, so any
    lock it takes is a deadlock for good: the daemon then never exits after SIGTERM (the 120 s timeout of
    ``test_sigterm_lets_the_running_crawl_finish_then_exits`` under load)."""
    from yuqing.config import load_settings
    from yuqing.daemon import Daemon

    daemon = Daemon(load_settings(world.settings_path), world.settings_path, world.db)

    def signals_while_holding_locks() -> None:
        with daemon.stopping._cond, daemon._children_lock:
            daemon.on_signal(signal.SIGTERM)
            daemon.on_signal(signal.SIGINT)

    thread = threading.Thread(target=signals_while_holding_locks, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "the signal handler deadlocked on a lock its own thread held"
    assert daemon._signals == [signal.SIGTERM, signal.SIGINT]


def test_a_second_signal_ends_the_grace_period_at_once(world):
    world.pause_crawls()
    daemon = world.start_daemon()
    crawl_pid = world.wait_for_paused_crawl(daemon)
    daemon.send_signal(signal.SIGTERM)
    time.sleep(1)
    started = time.monotonic()
    daemon.send_signal(signal.SIGINT)
    output, _ = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, output
    assert "stopping crawl tieba" in output and not alive(crawl_pid)
    assert time.monotonic() - started < 30  # not the 60 s stop_grace


def test_the_scheduler_survives_a_failed_job_store_write(world, caplog):
    """APScheduler writes each job's next run time back unguarded: one failure used to end its thread for good."""
    from apscheduler.executors.pool import ThreadPoolExecutor

    from yuqing.config import load_settings
    from yuqing.daemon import Daemon

    daemon = Daemon(load_settings(world.settings_path), world.settings_path, world.db)
    scheduler = daemon.build_scheduler(executors={"default": ThreadPoolExecutor(1), "crawl": ThreadPoolExecutor(1)})
    scheduler.start()
    store = scheduler._lookup_jobstore("default")
    real_update, failures = store.update_job, [2]

    def flaky_update(job):
        if failures[0]:
            failures[0] -= 1
            raise OSError("disk I/O error")
        real_update(job)

    store.update_job = flaky_update
    try:
        scheduler.add_job("tests.test_faults_processes:_tick", "interval", seconds=1, id="tick")
        wait_until(lambda: len(_TICKS) >= 4, limit=60)
    finally:
        scheduler.shutdown(wait=True)
    assert scheduler._thread is None or not scheduler._thread.is_alive()
    assert "scheduler: " in caplog.text and "trying again" in caplog.text


_TICKS: list[float] = []


def _tick() -> None:
    _TICKS.append(time.monotonic())


def test_database_lock_names_cannot_escape_the_data_directory(sqlite_database, tmp_path):
    with sqlite_database.exclusive("crawl-../../x") as mine:
        assert mine
    assert not (tmp_path.parent / "x.lock").exists()

