"""Shared fixtures: databases on both backends, settings files, the demo sites on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(message: str):
    """A service the test needs is missing: skip with the reason, except in CI, where it is a failure."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_service(env_var: str, what: str) -> str:
    """The service's URL from the environment; in CI a missing service fails the test instead of skipping it."""
    url = os.environ.get(env_var)
    if url:
        return url
    unavailable(f"{what} not available: set {env_var} (.ci/run starts one)")


def free_port() -> int:
    """A free port on loopback (aiosmtpd checks its own port at start, so it needs a real one, not 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database on the real server, dropped afterwards."""
    server = require_service("YUQING_TEST_POSTGRES_URL", "PostgreSQL")
    name = f"yuqing_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = server.rpartition("/")
    yield f"{base}/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/yuqing.db"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def database(database_url):
    from storage.db import Database

    db = Database(database_url)
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture
def sqlite_database(tmp_path):
    from storage.db import Database

    db = Database(f"sqlite:///{tmp_path}/yuqing.db")
    db.upgrade()
    yield db
    db.dispose()


BASE_SETTINGS = """
timezone = "Asia/Shanghai"

[storage]
url = "{url}"

[[brands]]
name = "青禾"
aliases = ["QingHe"]

[[brands]]
name = "星澜汽车"
aliases = ["星澜"]
"""


@pytest.fixture
def write_settings(tmp_path):
    """Write a settings file: the base (two brands) plus extra TOML; returns its path."""

    def write(extra: str = "", url: str | None = None, name: str = "settings.toml") -> Path:
        path = tmp_path / name
        path.write_text(BASE_SETTINGS.format(url=url or f"sqlite:///{tmp_path}/yuqing.db") + extra, encoding="utf-8")
        return path

    return write


def run_cli(*args: str, input: str | None = None, timeout: float = 180,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real ``yuqing`` command in a fresh process (a crawl needs its own Twisted reactor)."""
    return subprocess.run([sys.executable, "-m", "yuqing.cli", *args], capture_output=True, text=True,
                          input=input, timeout=timeout, cwd=ROOT, check=False,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def demo_world():
    from demo.world import World

    return World()


@pytest.fixture
def demo_server(demo_world):
    from demo.server import DemoServer

    with DemoServer(demo_world) as server:
        yield server
