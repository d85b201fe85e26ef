"""Faults, classes "service down" and "disk/database gone": what an unlucky operator meets.

Issue 14 items 5 (an unreachable or read-only database is one line with the cause and a non-zero exit, and the
daemon waits for its database, backing off) and 7 (a database deleted under the running daemon stops it loudly,
exit 4, instead of a silent second history).
"""

from __future__ import annotations

import contextlib
import io
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import Source
from tests.conftest import ROOT, free_port
from tests.hostile import store_posts
from yuqing.cli import main

SOURCE = """
[scheduler]
jitter = "0s"

[alerts]
enabled = false

[[sources]]
name = "news"
kind = "news"
spider = "feed"
urls = ["http://127.0.0.1:{port}/rss.xml"]
interval = "1h"
"""


def run(path, *command: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["--settings", str(path), *command])
    return status, out.getvalue(), err.getvalue()


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("command", [("search", "青禾"), ("status",), ("alerts", "evaluate"), ("db", "upgrade"),
                                     ("alerts", "send"), ("sources",)])
def test_postgresql_down_is_one_line_with_the_cause(write_settings, command):
    url = f"postgresql://yuqing:secret-pw@127.0.0.1:{free_port()}/yuqing"
    status, _, err = run(write_settings(url=url), *command)
    assert status == 1 and "Connection refused" in one_line(err)
    assert "secret-pw" not in err and "***" in err


@pytest.mark.parametrize("command", [("search", "青禾"), ("status",), ("alerts", "evaluate")])
def test_a_data_directory_that_cannot_be_made_is_one_line(write_settings, tmp_path, command):
    (tmp_path / "data").write_text("a file where the directory should be", encoding="utf-8")
    status, _, err = run(write_settings(url=f"sqlite:///{tmp_path}/data/var/yuqing.db"), *command)
    assert status == 1 and "cannot create the data directory" in one_line(err)


@pytest.fixture
def read_only(write_settings, sqlite_database, tmp_path):
    """A database with posts, opened read-only (SQLite's own mode=ro: read-only for root too)."""
    store_posts(sqlite_database, extra=2)
    path = sqlite_database.engine.url.database
    sqlite_database.dispose()
    return write_settings(url=f"sqlite:///file:{path}?mode=ro&uri=true")


def test_search_and_status_still_work_on_a_read_only_database(read_only):
    status, out, err = run(read_only, "search", "青禾", "--json")
    assert status == 0 and len(out.splitlines()) == 6, err
    assert run(read_only, "status")[0] == 0


@pytest.mark.parametrize("command", [("alerts", "silence", "青禾", "--for", "2h", "--reason", "发布会")])
def test_writing_to_a_read_only_database_is_one_line_saying_so(read_only, command):
    status, _, err = run(read_only, *command)
    assert status == 1 and "read-only" in one_line(err)


def test_importing_into_a_read_only_database_fails_loudly_not_with_exit_0(read_only, tmp_path, caplog):
    lines = tmp_path / "in.jsonl"
    lines.write_text('{"source": "bbs", "source_kind": "forum", "brand": "青禾", "url": "https://x.cn/1", '
                     '"title": "青禾新帖", "text": "青禾", "published_at": "2026-11-20T10:00:00+08:00"}\n',
                     encoding="utf-8")
    status, out, _ = run(read_only, "import", str(lines))
    assert status == 1 and "入库失败 1" in out
    assert "readonly database" in caplog.text and "Traceback" not in caplog.text


# ---- the daemon ----------------------------------------------------------------------------------------------

def start_daemon(settings_path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "yuqing.cli", "--settings", str(settings_path), "run"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def read_until(process: subprocess.Popen, needle: str, seen: list[str], limit: float = 90) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return
    pytest.fail(f"{needle!r} never came:\n{''.join(seen)}")


def test_the_daemon_waits_for_its_database_backing_off_then_starts(write_settings, tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("not yet a directory", encoding="utf-8")
    path = write_settings(SOURCE.format(port=free_port()), url=f"sqlite:///{blocker}/yuqing.db")
    daemon = start_daemon(path)
    seen: list[str] = []
    try:
        read_until(daemon, "retrying in 1s", seen)
        read_until(daemon, "retrying in 2s", seen)
        blocker.unlink()  # the data disk arrives
        read_until(daemon, "daemon started", seen)
    finally:
        daemon.send_signal(signal.SIGTERM)
        rest, _ = daemon.communicate(timeout=120)
    output = "".join(seen) + rest
    assert daemon.returncode == 0, output
    assert "Traceback" not in output
    assert sum("database unavailable: cannot create the data directory" in line for line in seen) >= 2


def test_a_database_deleted_under_the_daemon_stops_it_with_one_line_and_exit_4(write_settings, tmp_path):
    data = tmp_path / "data"
    path = write_settings(SOURCE.format(port=free_port()), url=f"sqlite:///{data}/yuqing.db")
    daemon = start_daemon(path)
    seen: list[str] = []
    try:
        read_until(daemon, "daemon started", seen)
        read_until(daemon, "crawl news:", seen)  # the first crawl has been and gone
        for file in data.iterdir():
            file.unlink()
        data.rmdir()
        output, _ = daemon.communicate(timeout=60)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.communicate()
    output = "".join(seen) + output
    assert daemon.returncode == 4, output
    assert sum("was deleted or replaced while the daemon ran" in line for line in output.splitlines()) == 1
    assert "Traceback" not in output
    assert not data.exists()  # no second, empty history


def test_a_crawl_the_daemon_starts_never_creates_a_missing_database(write_settings, tmp_path):
    path = write_settings(SOURCE.format(port=free_port()), url=f"sqlite:///{tmp_path}/gone/yuqing.db")
    done = subprocess.run([sys.executable, "-m", "yuqing.cli", "--settings", str(path), "crawl", "news"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "YUQING_DATABASE_MUST_EXIST": "1"})
    assert done.returncode == 1 and "does not exist" in done.stderr and done.stderr.count("\n") == 1
    assert not (tmp_path / "gone").exists()


def test_a_postgresql_database_dropped_and_recreated_under_the_daemon_stops_it(postgres_url, write_settings):
    """PostgreSQL's counterpart of a deleted file: the same name, a different database (its oid). On PostgreSQL the
    daemon also holds the scheduler leadership in a database session, which the drop ends: whichever it notices
    first, it stops with one line and a non-zero status, and writes nothing into the new database."""
    from sqlalchemy import create_engine, text

    db = Database(postgres_url)
    db.upgrade()
    path = write_settings(SOURCE.format(port=free_port()), url=postgres_url)
    daemon = start_daemon(path)
    seen: list[str] = []
    server, _, name = postgres_url.rpartition("/")
    admin = create_engine(f"{server}/postgres".replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    try:
        read_until(daemon, "crawl news:", seen)
        db.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        output, _ = daemon.communicate(timeout=90)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.communicate()
        admin.dispose()
    output = "".join(seen) + output
    # The leader's lock session dies with the database; the daemon must still say the database is gone (exit 4,
    # which systemd does not restart), not that it lost an election (exit 1: restarted onto the empty database).
    assert daemon.returncode == 4, output
    assert "was deleted or replaced while the daemon ran" in output and "leadership lost: stopping" not in output
    assert "Traceback" not in output
    fresh = Database(postgres_url)
    with fresh.session() as session:  # nothing wrote a second history into the new database
        assert not fresh.engine.dialect.has_table(session.connection(), "sources") or \
            session.scalar(select(Source).limit(1)) is None
    fresh.dispose()


def test_a_postgresql_database_dropped_and_not_yet_made_again_is_gone_not_unreachable(postgres_url, write_settings):
    """The leader's lock session dies with a dropped database; looking before it is created again under its name,
    the daemon is told 'database … does not exist'. That is a database gone (exit 4), not one unreachable for a
    while: taken for that, the daemon said it lost an election and exited 1, for systemd to restart it onto the
    empty database (the test above failed so once under load)."""
    from sqlalchemy import create_engine, text

    from yuqing.config import load_settings
    from yuqing.daemon import Daemon

    db = Database(postgres_url)
    db.upgrade()
    path = write_settings(url=postgres_url)
    daemon = Daemon(load_settings(path), path, db)
    assert daemon.database_unchanged()
    server, _, name = postgres_url.rpartition("/")
    admin = create_engine(f"{server}/postgres".replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        assert not daemon.database_unchanged()
    finally:
        db.dispose()
        admin.dispose()
