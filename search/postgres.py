"""The newest matches on PostgreSQL: walk the publication-time index, or read the gram index, chosen per query.

A page of search results is the newest few matches. There are two ways to find them, and each is fast exactly
where the other is slow:

- **Walk**: read rows newest first (the ``published_at`` index) and test each until the page is full. For a word in
  a third of all posts that is a few dozen rows; for a word in one post of a million, the whole table.
- **Index**: ask the GIN index for the rows that hold every pair of the word (the candidates), order them by time,
  and test them in that order until the page is full. Cheap for a rare word; for a common one it reads and sorts
  hundreds of thousands of candidates to show twenty.

PostgreSQL's planner chooses between these itself, and at a million mentions it chose badly (p95 of 0.7 s): it
prices the exact test (a fold and a substring search per row) near zero, so its index plan tests every candidate
before sorting instead of only the ones it shows, and it estimates a word of several pairs by multiplying the pairs'
frequencies, as if 刹 and 车 were unrelated. So the choice is made here, from the planner's own estimate of the
candidates (``EXPLAIN``): a walk when the estimate says the page fills within :data:`WALK_ROWS` rows, else the index.
An estimate wrong the other way costs a bounded walk: it stops at the publication time of the
``2 x WALK_ROWS``-th newest row and the index plan finishes the page. The index plan tests candidates lazily:
sorted by time in a fenced subquery, each joined back to its row only when the page still needs one.

Both plans return exactly the rows and order of the plain query; only their cost differs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Select, select, true
from sqlalchemy.orm import Session

from storage.models import Mention

if TYPE_CHECKING:
    from search.service import _Plan

# How many rows a walk may test before the index is the cheaper way: a test costs about as much as reading and
# sorting 20-40 candidates, so a walk of 1,000 rows is worth about 30,000 candidates.
WALK_ROWS = 1000
# A page size to plan for when the caller streams every match (an export, deduplicated stories).
STREAM_GUESS = 100

Reader = Callable[[Session, Select, int | None], Iterator[tuple]]
NEWEST = (Mention.published_at.desc(), Mention.id.desc())


def newest(session: Session, plan: _Plan, extra: ColumnElement[bool], limit: int | None,
           read: Reader) -> Iterator[tuple[int, int | None]]:
    """(mention id, cluster id) of the matches of ``plan`` that also satisfy ``extra``, newest first."""
    narrowing = [plan.grams, *plan.filters()]
    if not walk_first(session, plan, narrowing, limit or STREAM_GUESS):
        yield from read(session, _through_index(plan, narrowing, extra), limit)
        return
    if limit is None:
        yield from read(session, _walk(plan, extra), None)
        return
    cutoff = _cutoff(session, plan, 2 * WALK_ROWS)
    walked = list(read(session, _walk(plan, extra, cutoff), limit))
    if cutoff is None or len(walked) >= limit:
        yield from walked
        return
    yield from read(session, _through_index(plan, narrowing, extra), limit)


def walk_first(session: Session, plan: _Plan, narrowing: list[ColumnElement[bool]], wanted: int) -> bool:
    """Whether, by the planner's estimates, ``wanted`` matches are among the newest :data:`WALK_ROWS` rows."""
    return _estimate(session, narrowing) * WALK_ROWS >= wanted * _estimate(session, _bounds(plan))


def _bounds(plan: _Plan) -> list[ColumnElement[bool]]:
    since, until = plan.query.time_bounds()
    return [*([Mention.published_at >= since] if since else []), *([Mention.published_at < until] if until else [])]


def _estimate(session: Session, conditions: list[ColumnElement[bool]]) -> float:
    """The planner's estimate of the rows that satisfy ``conditions`` (from the index's statistics)."""
    compiled = select(true()).select_from(Mention).where(*conditions).compile(session.get_bind())
    # The statement as compiled, its values still bound: EXPLAIN takes any statement after it.
    explained = session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params)
    return float(explained.scalar_one()[0]["Plan"]["Plan Rows"])


def _walk(plan: _Plan, extra: ColumnElement[bool], cutoff=None) -> Select:
    # Without the gram containment: the planner has only the time (or brand and time) index to order by.
    bounded = [Mention.published_at >= cutoff] if cutoff is not None else []
    return (select(Mention.id, Mention.cluster_id).where(plan.condition, extra, *bounded).order_by(*NEWEST))


def _cutoff(session: Session, plan: _Plan, rows: int):
    """The publication time of the ``rows``-th newest mention in the query's time range; None if there are fewer."""
    return session.scalar(select(Mention.published_at).where(*_bounds(plan)).order_by(*NEWEST)
                          .offset(rows - 1).limit(1))


def _through_index(plan: _Plan, narrowing: list[ColumnElement[bool]], extra: ColumnElement[bool]) -> Select:
    # OFFSET 0 keeps the exact test out of the candidates' scan: the planner would push it down and run it on all.
    candidates = (select(Mention.id, Mention.published_at).where(*narrowing).order_by(*NEWEST).offset(0)
                  .subquery("candidates"))
    match = (select(Mention.id, Mention.cluster_id).where(Mention.id == candidates.c.id, plan.condition, extra)
             .lateral("match"))
    return (select(match.c.id, match.c.cluster_id).select_from(candidates).join(match, true())
            .order_by(candidates.c.published_at.desc(), candidates.c.id.desc()))

