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
frequencies, as if 刹 and 车 were unrelated. So the choice is made here, from the planner's own estimates of each
pair (one ``EXPLAIN``, see :func:`walk_first`): the index when even the rarest pair says the page cannot fill
within the walk's budget (:func:`walk_rows`: :data:`WALK_ROWS` for a first page, more for a deeper one), else a
walk down to the publication time of the budget's newest row, the index finding whatever the page still needs
among the older rows. The index plan tests candidates lazily: sorted
by time in a fenced subquery, each joined back to its row only when the page still needs one.

Both plans return exactly the rows and order of the plain query; only their cost differs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Select, Text, literal, literal_column, select, text, true
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from search.fold import fold
from search.query import And, Or, Term
from storage.models import Mention

if TYPE_CHECKING:
    from search.service import _Plan

# The stored folded title and text (migration 0016), which the exact test reads instead of folding each row again.
SEARCH_BODY = literal_column("mentions.search_body", Text)
# The expression of the GIN index (migration 0016), written out: the planner uses an expression index only for the
# same expression, collation included.
GRAMS_EXPRESSION = '(yuqing_search_grams(mentions.search_body) COLLATE "C")'

# How many rows a walk may test for a first page before the index is the cheaper way. Measured at a million
# mentions with the stored fold (migration 0016): a walked row costs about 1 us (a substring search of the stored
# folded text), a candidate read through the index and sorted about 5 us. By those costs alone the two meet near
# 10,000 rows; but for a pair outside its most-common list the planner assumes a fixed share far above a rare
# word's, so a larger budget walks for rare words first and then reads the index anyway (湘财: 9 ms at 2,000 rows,
# 24-29 ms at 3,000-8,000), while no common word gains from more (each fills its page within a few hundred rows).
WALK_ROWS = 2000
# The rows a first page asks for: 20 shown and one more, to know whether there is a next page.
FIRST_PAGE = 21
# A page size to plan for when the caller streams matches until it has enough (deduplicated stories, an export).
STREAM_GUESS = 30

Reader = Callable[[Session, Select, int | None], Iterator[tuple]]
NEWEST = (Mention.published_at.desc(), Mention.id.desc())


def newest(session: Session, plan: _Plan, extra: ColumnElement[bool], limit: int | None,
           read: Reader) -> Iterator[tuple[int, int | None]]:
    """(mention id, cluster id) of the matches of ``plan`` that also satisfy ``extra``, newest first."""
    wanted = limit or STREAM_GUESS
    budget = walk_rows(wanted)
    if not walk_first(session, plan, wanted, budget):
        yield from _read_through_index(session, plan, extra, [], limit, read)
        return
    cutoff = _cutoff(session, plan, budget)
    walked = 0
    for row in read(session, _walk(plan, extra, cutoff), limit):
        walked += 1
        yield row
    if cutoff is not None and (limit is None or walked < limit):
        # The walk found every match from the cutoff on; the older ones are the index's to find.
        older = [Mention.published_at < cutoff]
        yield from _read_through_index(session, plan, extra, older, None if limit is None else limit - walked, read)


def _read_through_index(session: Session, plan: _Plan, extra: ColumnElement[bool], older: list[ColumnElement[bool]],
                        limit: int | None, read: Reader) -> Iterator[tuple[int, int | None]]:
    # A page is 20 rows: starting a parallel worker or compiling the plan to machine code (JIT, which the planner's
    # costs for a common word call for) takes longer than the query, the more so on a busy machine.
    # A common filter's bitmap (brand:青禾, an eighth of all rows) outgrows PostgreSQL's default 4 MB and turns lossy,
    # and ANDed with the gram index's bitmap it makes every candidate's page a recheck of the n-gram function: at a
    # million mentions 13,530 rows rechecked and 0.6 s, where 8 MB keeps both exact (0.1 s).
    session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off; "
                         "SET LOCAL work_mem = '32MB'"))
    yield from read(session, _through_index(plan, [plan.grams, *plan.filters(), *older], extra), limit)


def walk_rows(wanted: int) -> int:
    """How many rows a walk may test to find ``wanted`` matches: :data:`WALK_ROWS` for a first page, and more for a
    deeper one, by the square root of the rows it needs.

    Walking to ``wanted`` matches of a word in a share ``s`` of the rows tests ``wanted / s`` of them; reading the
    word's candidates through the index costs ``s`` times the table, however deep the page. The two are equal where
    ``s`` grows with the square root of ``wanted``, and so do the rows walked there. Page 10 of 退款 (201 rows
    wanted) read all 50,000 of the word's candidates through the index in 175 ms; a walk finds them in 18."""
    return round(WALK_ROWS * math.sqrt(max(wanted, FIRST_PAGE) / FIRST_PAGE))


def walk_first(session: Session, plan: _Plan, wanted: int, budget: int) -> bool:
    """Whether ``wanted`` matches may be among the newest ``budget`` rows, by the planner's estimates.

    A word is in at most as many rows as its rarest pair (the pairs of a real word come together: 刹车失灵 is almost
    everywhere 刹车 is, where the planner multiplies their shares), and a query's words in at most as many as its
    rarest word. When that bound says rare, the candidates are few and the index is cheap; when it says common, a
    walk is tried, and stops at its cutoff if the words turn out to be rarer together than apart (鼓包 屏幕)."""
    pairs = sorted({pair for term in plan.query.terms for pair in word_pairs(term)})
    # The filters' share, the time range's aside: a walk reads only the rows in the range.
    others = plan.filters(times=False)
    total, *rows = _estimates(session, [[], *([_holds(pair)] for pair in pairs), *([others] if others else [])])
    share = _share(plan.query.node, {pair: count / total for pair, count in zip(pairs, rows, strict=False)})
    if share is None:
        return True
    if others:
        share *= rows[-1] / total
    return share * budget >= wanted


def _share(node, shares: dict[str, float]) -> float | None:
    """The largest share of rows the words of ``node`` can be in (None: no bound, as for a negation)."""
    if isinstance(node, Term):
        return min(shares[pair] for pair in word_pairs(node.text))
    parts = [_share(n, shares) for n in node.nodes] if isinstance(node, And | Or) else []
    if isinstance(node, And) and any(s is not None for s in parts):
        # Words that come together (内胆 脱落) are common together; a bound, not a guess: their rarest.
        return min(s for s in parts if s is not None)
    if isinstance(node, Or) and parts and all(s is not None for s in parts):
        return min(1.0, sum(parts))
    return None


def word_pairs(word: str) -> list[str]:
    """The keys ``yuqing_search_word_grams`` looks up for ``word``: its pairs, or the character itself."""
    folded = fold(word)
    return [folded] if len(folded) < 2 else sorted({folded[i:i + 2] for i in range(len(folded) - 1)})


def _holds(pair: str) -> ColumnElement[bool]:
    return literal_column(GRAMS_EXPRESSION).op("@>")(literal([pair], type_=postgresql.ARRAY(Text)))


def _estimates(session: Session, conditions: list[list[ColumnElement[bool]]]) -> list[float]:
    """The planner's estimate of the rows satisfying each list of ``conditions``, in one round trip: each is a
    subquery of one statement, and EXPLAIN shows every subquery's plan with its row count."""
    subqueries = [select(true()).select_from(Mention).where(*c).scalar_subquery() for c in conditions]
    compiled = select(*subqueries).compile(session.get_bind())
    # The statement as compiled, its values still bound: EXPLAIN takes any statement after it.
    explained = session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params)
    return [float(node["Plan Rows"]) for node in explained.scalar_one()[0]["Plan"]["Plans"]]


def _walk(plan: _Plan, extra: ColumnElement[bool], cutoff: datetime | None) -> Select:
    """The matches published at ``cutoff`` or later, newest first, by the time index alone: without the gram
    containment, the planner has only the time (or brand and time) index to order by."""
    bounded = [Mention.published_at >= cutoff] if cutoff is not None else []
    return select(Mention.id, Mention.cluster_id).where(plan.condition, extra, *bounded).order_by(*NEWEST)


def _cutoff(session: Session, plan: _Plan, rows: int) -> datetime | None:
    """The publication time of the ``rows``-th newest mention in the query's time range (None: there are fewer). By
    time alone, ties all on the walk's side of ``>=``, so the time index answers it without reading the table."""
    return session.scalar(select(Mention.published_at).where(*_bounds(plan)).order_by(Mention.published_at.desc())
                          .offset(rows - 1).limit(1))


def _bounds(plan: _Plan) -> list[ColumnElement[bool]]:
    since, until = plan.query.time_bounds()
    return [*([Mention.published_at >= since] if since else []), *([Mention.published_at < until] if until else [])]


def _through_index(plan: _Plan, narrowing: list[ColumnElement[bool]], extra: ColumnElement[bool]) -> Select:
    # OFFSET 0 keeps the exact test out of the candidates' scan: the planner would push it down and run it on all.
    candidates = (select(Mention.id, Mention.published_at).where(*narrowing).order_by(*NEWEST).offset(0)
                  .subquery("candidates"))
    match = (select(Mention.id, Mention.cluster_id).where(Mention.id == candidates.c.id, plan.condition, extra)
             .lateral("match"))
    return (select(match.c.id, match.c.cluster_id).select_from(candidates).join(match, true())
            .order_by(candidates.c.published_at.desc(), candidates.c.id.desc()))

