"""Engine, sessions and schema upgrades for SQLite (embedded default, WAL) and PostgreSQL (scale backend).

A database that cannot be used (an unsupported URL, a server that is down, a read-only file or directory) is a
:class:`DatabaseUnavailable` whose message is one line with the cause; :func:`database_problem` words any
driver error the same way, so no command shows a traceback for it.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")
BACKENDS = ("sqlite", "postgresql")


class DatabaseUnavailable(Exception):
    """The database cannot be used; the message is the one line the user sees, cause included."""


class UnsupportedDatabase(DatabaseUnavailable):
    """The URL names no database we support: a settings problem, not a passing one."""


def parse_url(url: str) -> URL:
    """``url`` parsed and checked against the backends we support (SQLite, PostgreSQL with psycopg 3)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UnsupportedDatabase(f"{url!r} is not a database URL: write sqlite:///var/yuqing.db "
                                  "or postgresql://user@host/dbname") from None
    if parsed.get_backend_name() not in BACKENDS or parsed.drivername not in ("sqlite", "postgresql",
                                                                               "postgresql+psycopg"):
        raise UnsupportedDatabase(f"{parsed.drivername} is not supported: use sqlite:///path/file.db "
                                  "or postgresql://user@host/dbname")
    return parsed


def safe_url(url: str | URL) -> str:
    """The URL as logs and messages show it: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a URL)"


def database_problem(exc: BaseException, url: str | URL | None = None) -> str | None:
    """One line saying why the database failed, for a driver or file-system error; None for anything else."""
    if isinstance(exc, DatabaseUnavailable):
        return str(exc)
    if not isinstance(exc, SQLAlchemyError):
        return None
    # The driver's own message, first line only (psycopg adds hints and SQLAlchemy a link to its docs).
    cause = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
    where = f" ({safe_url(url)})" if url is not None else ""
    if "readonly database" in cause or "read-only" in cause:
        return f"the database is read-only{where}: {cause}; check the file's and its directory's permissions"
    return f"database error{where}: {cause}"


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for ``url``; a SQLite file gets its folder created (unless ``create`` is false: then a missing
    file is an error) and is switched to WAL."""
    parsed = parse_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:" and not parsed.query.get("uri"):
        if not create and not Path(parsed.database).exists():
            raise DatabaseUnavailable(f"the database file {parsed.database} does not exist (deleted?); "
                                      "not creating a new, empty one")
        folder = Path(parsed.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(f"cannot create the data directory {folder}: {exc.strerror}") from None
    engine = create_engine(parsed, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        # WAL lets the web page and `yuqing search` read while a crawl writes; NORMAL is durable in WAL mode
        # up to the last checkpoint, which is the trade SQLite's docs recommend for this journal mode.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        # pysqlite's own transaction handling commits on SAVEPOINT release, which would let a half-written
        # crawl batch survive a rollback; SQLAlchemy's documented fix is to let it emit BEGIN itself.
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        # IMMEDIATE takes the write lock up front: two crawl processes whose deferred transactions both read
        # and then both try to write would otherwise fail one of them with "database is locked" at once,
        # since busy_timeout cannot help a reader waiting to become the writer.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """One database: its engine, a session factory, and the migrations that bring it to the current schema."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url, create=create)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def upgrade(self) -> None:
        """Apply every migration not yet applied (all heads: each feature keeps its own branch).

        An up-to-date schema is seen by a plain read first: no write lock, so a read-only database still
        serves ``search`` and ``status``. Any failure is a :class:`DatabaseUnavailable` line."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            if self._current(config):
                return
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "heads")
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(database_problem(exc, self.url)) from None

    def _current(self, config: Config) -> bool:
        heads = set(ScriptDirectory.from_config(config).get_heads())
        with self.engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads()) == heads

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends and rolls back if it raises."""
        with self.sessions() as session, session.begin():
            yield session

    def identity(self) -> tuple | None:
        """What makes this database this one: the SQLite file's device and inode, PostgreSQL's database oid.

        A file deleted (or replaced) under a running daemon keeps answering through the daemon's open handle while
        the next process creates a new, empty one beside it; comparing identities is how the daemon notices.
        None when the file is gone."""
        if self.dialect == "sqlite":
            path = self.engine.url.database
            if not path or path == ":memory:" or self.engine.url.query.get("uri"):
                return ("sqlite", path)
            try:
                stat = os.stat(path)
            except FileNotFoundError:
                return None
            return ("sqlite", stat.st_dev, stat.st_ino)
        with self.engine.connect() as connection:
            oid = connection.exec_driver_sql("SELECT oid FROM pg_database WHERE datname = current_database()")
            return ("postgresql", oid.scalar_one())

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """Hold the lock called ``name`` for the block if no other process holds it: yields whether it was got.

        PostgreSQL's advisory lock, or on SQLite an flock on a file beside the database; both are let go by the
        kernel or the server when the holder dies, even by kill -9, so a crash never leaves a stale lock."""
        if self.dialect == "postgresql":
            with self.engine.connect() as connection:
                key = connection.exec_driver_sql("SELECT hashtext(%(name)s)", {"name": f"yuqing:{name}"}).scalar()
                held = connection.exec_driver_sql("SELECT pg_try_advisory_lock(%(key)s)", {"key": key}).scalar()
                connection.commit()
                try:
                    yield bool(held)
                finally:
                    if held:
                        connection.exec_driver_sql("SELECT pg_advisory_unlock(%(key)s)", {"key": key})
                        connection.commit()
            return
        path = self.engine.url.database
        if not path or path == ":memory:" or self.engine.url.query.get("uri"):
            yield True  # a private database: no other process can reach it
            return
        # Source names are settings-checked already; this keeps any other name inside the data directory.
        with open(f"{path}.{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def dispose(self) -> None:
        self.engine.dispose()
