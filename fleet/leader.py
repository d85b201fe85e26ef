"""The scheduler's election: a PostgreSQL session-level advisory lock, held for as long as the leader lives.

Why an advisory lock and not a lease row: PostgreSQL releases a session's advisory locks the moment the session
ends, so a leader killed with ``kill -9`` (its socket closed by the kernel) is replaced at the standby's next poll,
with no lease length to tune and no clock to trust. A leader cut off by the network is the slow case: the server
notices the dead session through TCP keepalives (set short on the lock's session below), and the leader notices it
lost the session at its next check, when it stops every job and exits for its service manager to restart it.

The lock lives on a connection of its own (not the pool's): a pooled connection may be closed or recycled under
the lock, which would hand leadership to another process while this one goes on scheduling.
"""

from __future__ import annotations

import logging
import zlib

from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

log = logging.getLogger("yuqing.fleet")

# One number for "the yuqing scheduler of this database"; advisory lock keys are per database.
LOCK_KEY = zlib.crc32(b"yuqing:scheduler-leader")
# The server gives up on a silent client after idle + interval * count seconds (here 25 s): that bounds how long
# a leader cut off by the network keeps the lock.
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}
SERVER_KEEPALIVE = ("SET tcp_keepalives_idle = 10", "SET tcp_keepalives_interval = 5",
                    "SET tcp_keepalives_count = 3")


class Leadership:
    """``acquire()`` tries once to become the leader; ``held()`` says whether this process still is."""

    def __init__(self, url: str, name: str = "yuqing scheduler") -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() != "postgresql":
            raise ValueError("leader election needs PostgreSQL: SQLite is for one machine")
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        self.engine = create_engine(parsed, poolclass=NullPool, isolation_level="AUTOCOMMIT",
                                    connect_args={**KEEPALIVE, "application_name": name[:60],
                                                  "connect_timeout": 10})
        self.connection: Connection | None = None

    def acquire(self) -> bool:
        """Become the leader if nobody is; a database that cannot be reached is a "no", logged, not an error."""
        if self.connection is not None:
            return self.held()
        try:
            connection = self.engine.connect()
            for statement in SERVER_KEEPALIVE:
                connection.exec_driver_sql(statement)
            won = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar_one()
        except DBAPIError as exc:
            log.warning("leader election: database unreachable (%s)", str(exc.orig)[:120])
            return False
        if not won:
            connection.close()
            return False
        self.connection = connection
        return True

    def held(self) -> bool:
        """Whether the lock's session is still alive (so the lock is still ours)."""
        if self.connection is None:
            return False
        try:
            self.connection.execute(text("SELECT 1"))
        except DBAPIError as exc:
            log.error("leadership lost: the lock's database session failed (%s)", str(exc.orig)[:120])
            self._forget()
            return False
        return True

    def release(self) -> None:
        if self.connection is not None:
            try:
                self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            except DBAPIError:
                pass  # the session is gone, and the lock with it
            self._forget()
        self.engine.dispose()

    def holder(self) -> str | None:
        """Who leads, as PostgreSQL sees the lock's session (for ``yuqing status``), or None if nobody does."""
        with self.engine.connect() as connection:
            row = connection.execute(text(
                "SELECT a.client_addr, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted "
                "AND ((l.classid::bigint << 32) | l.objid::bigint) = :key"), {"key": LOCK_KEY}).first()
        if row is None:
            return None
        address, since = row
        return f"{address or 'local socket'}, leading since {since:%Y-%m-%d %H:%M:%S %Z}"

    def _forget(self) -> None:
        connection, self.connection = self.connection, None
        try:
            connection.close()
        except DBAPIError:
            pass
