"""The demo's accelerated clock, shared by the demo sites (what is published by now) and the alert evaluations.

Simulated time = start + real time elapsed × speed-up. The scenario is placed so the simulated clock never passes
the real present: the crawler stamps what it stores with the real time and refuses dates in the future, so a
simulated clock ahead of the real one would have the demo report times that never happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class DemoClock:
    def __init__(self, start: datetime, speedup: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be an aware datetime")
        self.start = start
        self.speedup = speedup
        self._monotonic = monotonic
        self._began = monotonic()
        self._paused_at: float | None = None

    def __call__(self) -> datetime:
        reading = self._paused_at if self._paused_at is not None else self._monotonic()
        simulated = self.start + timedelta(seconds=(reading - self._began) * self.speedup)
        return min(simulated, datetime.now(UTC))

    def pause(self) -> None:
        if self._paused_at is None:
            self._paused_at = self._monotonic()

    def resume(self) -> None:
        """Carry on from where the clock stopped: time paused is not simulated time passed."""
        if self._paused_at is not None:
            self._began += self._monotonic() - self._paused_at
            self._paused_at = None

    def real_seconds_until(self, moment: datetime) -> float:
        """How long, in real seconds, until the simulated clock shows ``moment``."""
        return max(0.0, (moment - self()).total_seconds() / self.speedup)
