"""The daemon's entry point where the product spec puts it: ``python scheduler.py`` is ``yuqing run``.

The daemon itself is :mod:`yuqing.daemon`, inside the layering contract (import-linter reads packages, not a
top-level module). Its job store names each job by a textual reference to this module (``scheduler:crawl_source``),
so the jobs are re-exported here: the same functions, with one copy of the daemon's state.
"""

import sys

from yuqing.daemon import (
    clean_up,
    crawl_source,
    dispatch_crawl,
    evaluate_alerts,
    send_daily_digest,
    send_outbox,
    settle_runs,
)

__all__ = ["clean_up", "crawl_source", "dispatch_crawl", "evaluate_alerts", "send_daily_digest", "send_outbox",
           "settle_runs"]

if __name__ == "__main__":
    from yuqing.cli import main

    sys.exit(main([*sys.argv[1:], "run"]))
