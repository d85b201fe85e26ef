"""The leader's side of fleet crawling: start a source's run at its interval, record each run once when it ends."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fleet.runs import RunBook, RunState

log = logging.getLogger("yuqing.fleet")


@dataclass
class EndedRun:
    source: str
    state: RunState
    status: str  # "ok", "failed", "blocked", "timeout"


class Dispatcher:
    """Starts runs in redis for the workers and turns ended runs into the source rows the one-machine crawl writes."""

    def __init__(self, settings, db, book: RunBook) -> None:
        self.settings = settings
        self.db = db
        self.book = book

    def start(self, source_name: str) -> int | None:
        """Start a run of the source unless it is blocked or its previous run is still going."""
        from storage.repo import get_or_create_source

        source = self.settings.source(source_name)
        with self.db.session() as session:
            row = get_or_create_source(session, source.name, source.kind)
            blocked_until = row.blocked_until
        if blocked_until and blocked_until > datetime.now(UTC):
            log.info("crawl %s: skipped, blocked until %s", source.name, blocked_until.isoformat())
            return None
        limit = self.settings.scheduler.crawl_timeout_for(source.name).total_seconds()
        run_id = self.book.start(source.name, limit)
        if run_id is None:
            log.info("crawl %s: skipped, its previous run is still going", source.name)
        else:
            log.info("crawl %s: run %d queued for the workers", source.name, run_id)
        return run_id

    def settle(self) -> list[EndedRun]:
        """Record every run that is over (or past its time limit) on its source's row, exactly once."""
        ended = []
        now = time.time()
        for source in self.settings.sources:
            state = self.book.state(source.name)
            if state is None or not state.active:
                continue
            ended_run = self.book.finish(source.name)
            if ended_run is not None:
                status = "blocked" if ended_run.blocked else ("failed" if ended_run.errors else "ok")
            elif now > state.deadline and (ended_run := self.book.finish(source.name, force="timeout")):
                status = "timeout"
            else:
                continue
            self._record(source, ended_run, status)
            self.book.remember(ended_run, status)
            ended.append(EndedRun(source.name, ended_run, status))
        return ended

    def _record(self, source, state: RunState, status: str) -> None:
        from storage.repo import get_or_create_source, record_run

        errors = list(state.errors)
        if status == "timeout":
            limit = timedelta(seconds=round(state.deadline - state.started))
            errors.append(f"timed out after {limit}: {state.claimed - state.done} requests still in progress, "
                          f"{state.pushed - state.claimed} queued")
        blocked_until = datetime.now(UTC) + source.backoff if state.blocked else None
        with self.db.session() as session:
            row = get_or_create_source(session, source.name, source.kind)
            record_run(session, row, items=state.counts["items"], new=state.counts["new"],
                       error="; ".join(errors)[:2000] or None, blocked_reason=state.blocked,
                       blocked_until=blocked_until)
        workers = ", ".join(f"{name} {pages}" for name, pages in sorted(state.pages_by_worker.items()))
        log.log(logging.INFO if status == "ok" else logging.WARNING,
                "crawl %s: run %d %s: %d pages, %d items, %d new (%.1fs; pages by worker: %s)%s", source.name,
                state.id, status, state.counts["pages"], state.counts["items"], state.counts["new"],
                time.time() - state.started, workers or "none", f": {errors[0][:200]}" if errors else "")
