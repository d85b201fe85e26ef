"""Long DDL on PostgreSQL with a progress line in the log, so that `db upgrade` on a large table never looks hung."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

log = logging.getLogger("yuqing.migrations")


def run_logged(connection, statements: Sequence[str], table: str = "mentions", every: float = 10) -> None:
    """Run ``statements`` in order on ``connection``, logging every ``every`` seconds how far they are.

    An index build reports its phase and blocks through ``pg_stat_progress_create_index``; a table rewrite (``ALTER
    TABLE`` adding a stored column) has no progress view, so the line then gives the elapsed time."""
    stop = threading.Event()
    started = time.monotonic()

    def report() -> None:
        with connection.engine.connect() as watcher:
            while not stop.wait(every):
                # A transaction of its own each time: a backend reads the other backends' progress once per
                # transaction, and one long transaction would report the first reading forever.
                with watcher.begin():
                    row = watcher.exec_driver_sql(
                        "SELECT phase, blocks_done, blocks_total FROM pg_stat_progress_create_index "
                        "WHERE relid = %(table)s::regclass", {"table": table}).first()
                if row:
                    log.info("%s: index build %s, %s of %s blocks", table, row[0], f"{row[1]:,}", f"{row[2]:,}")
                else:
                    log.info("%s: still working, %.0f s", table, time.monotonic() - started)

    watcher = threading.Thread(target=report, daemon=True)
    watcher.start()
    try:
        for statement in statements:
            connection.exec_driver_sql(statement)
    finally:
        stop.set()
        watcher.join()
