"""Progress on stderr for long commands (import, backtest); stdout stays clean for the results."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

T = TypeVar("T")


@contextmanager
def progress_bar(description: str, total: int | None = None) -> Iterator[Callable[..., None]]:
    """Yields ``update(done, total)``. Transient: it shows while the work runs and leaves nothing in a log."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=total)

        def update(done: int, new_total: int | None = None) -> None:
            progress.update(task, completed=done, total=new_total if new_total is not None else total)

        yield update


def tracked(items: Sequence[T], description: str) -> Iterator[T]:
    """``items`` one by one, with a progress bar that advances as each is consumed."""
    with progress_bar(description, total=len(items)) as update:
        for number, item in enumerate(items, start=1):
            yield item
            update(number)
