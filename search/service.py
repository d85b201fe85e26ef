"""Finding stored mentions: the one search behind ``yuqing search``, the web page, its API and the digest.

A query becomes one SQL condition that decides exactly (substring tests on the folded title and text, see
:mod:`search.fold`); the index of :mod:`search.index` only narrows which rows are tested, so results are those
of a full scan.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import islice
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, not_, or_, select, table, true
from sqlalchemy.orm import Session, defer, joinedload

from search import index
from search import postgres as postgres_plans
from search.fold import fold
from search.highlight import highlight, snippet
from search.postgres import GRAMS_EXPRESSION, SEARCH_BODY
from search.query import And, Filter, Node, Not, Or, Query, QueryError, Term, Vocabulary, parse_query
from storage.models import Mention, Source

if TYPE_CHECKING:
    from storage.db import Database
    from yuqing.config import Settings

SORTS = ("time", "relevance")
MAX_PAGE = 1000
MAX_PER_PAGE = 200
MAX_CHART_DAYS = 92
LABELS = ("positive", "neutral", "negative")
EXPORT_BATCH = 500


@dataclass(frozen=True)
class SearchRequest:
    """What the user asked for, as typed on the command line or in the page's form."""

    q: str = ""
    sort: str = "time"
    dedupe: bool = False
    page: int = 1
    per_page: int = 20

    def normalised(self) -> SearchRequest:
        return SearchRequest(q=self.q or "", sort=self.sort if self.sort in SORTS else "time",
                             dedupe=self.dedupe, page=min(max(1, self.page), MAX_PAGE),
                             per_page=min(max(1, self.per_page), MAX_PER_PAGE))

    def capped(self) -> tuple[str, ...]:
        """What :meth:`normalised` cut down, said to the user: a cap nobody hears of looks like missing data."""
        notes = []
        if self.per_page > MAX_PER_PAGE:
            notes.append(f"每页最多 {MAX_PER_PAGE} 条：只返回了 {MAX_PER_PAGE} 条，其余请翻页（page 2、3 …）")
        if self.page > MAX_PAGE:
            notes.append(f"最多翻到第 {MAX_PAGE} 页：显示的是第 {MAX_PAGE} 页，请加条件缩小范围")
        return tuple(notes)


@dataclass
class Hit:
    mention: Mention
    source: str
    title_html: str
    snippet_html: str
    story_size: int | None = None


@dataclass
class SearchPage:
    request: SearchRequest
    hits: list[Hit] = field(default_factory=list)
    has_next: bool = False
    message: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.message is None


# ---- from the query tree to SQL --------------------------------------------------

class _Compiler:
    """Turns a query tree into a SQL condition for one backend. Every user value is a bound parameter."""

    def __init__(self, dialect: str, use_index: bool = True) -> None:
        self.dialect = dialect
        self.use_index = use_index

    def contains(self, column, word: str) -> ColumnElement[bool]:
        if self.dialect == "postgresql":
            return func.strpos(func.yuqing_fold(column), func.yuqing_fold(word)) > 0
        # The plain test first: it implies the folded one (the fold maps character by character), and SQLite stops
        # there for most candidates, which the index says do contain the word, without calling Python.
        return or_(func.instr(func.lower(column), func.lower(word)) > 0,
                   func.instr(func.yuqing_fold(column), fold(word)) > 0)

    def condition(self, node: Node | None) -> ColumnElement[bool]:
        """The exact test: substrings of the folded title and text, and the filters."""
        if node is None:
            return true()
        if isinstance(node, Term):
            if self.dialect == "postgresql" and "\n" not in node.text:
                # The stored fold of title, a line break and text: a word without a line break is in it exactly when
                # it is in the title or the text.
                return func.strpos(SEARCH_BODY, func.yuqing_fold(node.text)) > 0
            return or_(self.contains(Mention.title, node.text), self.contains(Mention.text, node.text))
        if isinstance(node, Not):
            return not_(self.condition(node.node))
        if isinstance(node, And):
            return and_(*(self.condition(n) for n in node.nodes))
        if isinstance(node, Or):
            return or_(*(self.condition(n) for n in node.nodes))
        return self.filter(node)

    def grams(self, node: Node | None) -> ColumnElement[bool] | None:
        """On PostgreSQL, what the GIN index can answer that every match satisfies: each word's pairs are in the
        row (the exact test then drops rows that have the pairs but not the word); None when it cannot narrow."""
        if self.dialect != "postgresql" or not self.use_index:
            return None
        if isinstance(node, Term):
            word_grams = func.yuqing_search_word_grams(func.yuqing_fold(node.text))
            return literal_column(GRAMS_EXPRESSION).op("@>")(word_grams)
        parts = [self.grams(n) for n in node.nodes] if isinstance(node, And | Or) else []
        if isinstance(node, And) and any(p is not None for p in parts):
            return and_(*(p for p in parts if p is not None))
        if isinstance(node, Or) and parts and all(p is not None for p in parts):
            return or_(*parts)
        # A negated word cannot narrow through the index (it holds candidates, not proof); filters are SQL's job.
        return None

    def filter(self, node: Filter) -> ColumnElement[bool]:
        value = node.value
        if node.field == "since":
            return Mention.published_at >= value
        if node.field == "until":
            return Mention.published_at < value
        if node.field == "source":
            return Mention.source_id.in_(select(Source.id).where(Source.name == value))
        column = {"brand": Mention.brand, "kind": Mention.source_kind, "sentiment": Mention.label,
                  "category": Mention.category, "grade": Mention.grade, "region": Mention.region}[node.field]
        return column == value

    def in_title(self, query: Query) -> ColumnElement[bool]:
        return or_(*(self.contains(Mention.title, word) for word in dict.fromkeys(query.terms)))


def fts_match(node: Node | None) -> str | None:
    """The FTS5 query every result satisfies, built only from quoted n-grams; None when it cannot narrow."""
    if isinstance(node, Term):
        return index.term_match(node.text)
    if isinstance(node, And):
        parts = [p for p in (fts_match(n) for n in node.nodes) if p]
        return " AND ".join(f"({p})" for p in parts) or None
    if isinstance(node, Or):
        parts = [fts_match(n) for n in node.nodes]
        return None if None in parts else " OR ".join(f"({p})" for p in parts)
    # A negated word cannot narrow through the index (it holds candidates, not proof); filters are SQL's job.
    return None


# ---- ordered matches ------------------------------------------------------------

_FTS = table(index.FTS_TABLE, literal_column("rowid"))
_FTS_ROWID = literal_column(f"{index.FTS_TABLE}.rowid")
_PENDING_IDS = select(literal_column("mention_id")).select_from(table(index.PENDING_TABLE))


@dataclass(frozen=True)
class _Plan:
    """A query made ready for one backend: the exact condition and the index's narrowing (FTS5 on SQLite, the
    gram containment on PostgreSQL), if it has one."""

    query: Query
    dialect: str
    condition: ColumnElement[bool]
    match: str | None
    grams: ColumnElement[bool] | None

    @classmethod
    def build(cls, query: Query, dialect: str, use_index: bool = True) -> _Plan:
        compiler = _Compiler(dialect, use_index)
        match = fts_match(query.node) if dialect == "sqlite" and use_index else None
        return cls(query, dialect, compiler.condition(query.node), match, compiler.grams(query.node))

    def key_range(self) -> list[ColumnElement[bool]]:
        since, until = self.query.time_bounds()
        bounds = []
        if since:
            bounds.append(_FTS_ROWID >= index.rowid_floor(since))
        if until:
            bounds.append(_FTS_ROWID < index.rowid_floor(until + timedelta(seconds=1)))
        return bounds

    def candidates(self) -> ColumnElement[bool]:
        """On SQLite with an FTS narrowing: the row is an index hit or not yet indexed."""
        if self.match is None:
            return true()
        hits = (select(_FTS_ROWID.op("&")(index.ID_MASK)).select_from(_FTS)
                .where(literal_column(index.FTS_TABLE).op("MATCH")(self.match), *self.key_range()))
        return or_(Mention.id.in_(hits), Mention.id.in_(_PENDING_IDS))

    def where(self) -> list[ColumnElement[bool]]:
        return [self.candidates(), *([self.grams] if self.grams is not None else []), self.condition]

    def filters(self, times: bool = True) -> list[ColumnElement[bool]]:
        """The filters every result obeys (top-level ones), which an index can apply before the exact test;
        without ``since``/``until`` if not ``times``."""
        nodes = self.query.node.nodes if isinstance(self.query.node, And) else (self.query.node,)
        compiler = _Compiler(self.dialect)
        return [compiler.filter(n) for n in nodes
                if isinstance(n, Filter) and (times or n.field not in ("since", "until"))]


def _ordered(session: Session, plan: _Plan, sort: str, limit: int | None) -> Iterator[tuple[int, int | None]]:
    """(mention id, cluster id) of every match in result order, read lazily.

    By relevance, mentions with a searched word in their title come first, each group newest first. A
    ranking by counted occurrences would have to score every match before showing the first; this one
    streams as time order does, and on a monitoring desk a headline hit is what "relevant" means.
    """
    if sort == "relevance" and plan.query.terms:
        in_title = _Compiler(plan.dialect).in_title(plan.query)
        yield from _newest(session, plan, in_title, limit)
        yield from _newest(session, plan, not_(in_title), limit)
    else:
        yield from _newest(session, plan, true(), limit)


def _newest(session: Session, plan: _Plan, extra: ColumnElement[bool], limit: int | None) -> Iterator[tuple]:
    if plan.match is not None:
        yield from _newest_through_index(session, plan, extra, limit)
        return
    if plan.grams is not None:
        yield from postgres_plans.newest(session, plan, extra, limit, _rows)
        return
    statement = (select(Mention.id, Mention.cluster_id).where(*plan.where(), extra)
                 .order_by(Mention.published_at.desc(), Mention.id.desc()))
    yield from _rows(session, statement, limit)


def _newest_through_index(session: Session, plan: _Plan, extra: ColumnElement[bool],
                          limit: int | None) -> Iterator[tuple[int, int | None]]:
    """FTS5 reads its hits in descending rowid, which is publication order, so the newest come first and a
    page stops reading early. Mentions not yet indexed are read apart and merged in by the same key."""
    key = _FTS_ROWID.label("key")
    indexed = (select(key, Mention.id, Mention.cluster_id).select_from(_FTS)
               .join(Mention, Mention.id == _FTS_ROWID.op("&")(index.ID_MASK))
               .where(literal_column(index.FTS_TABLE).op("MATCH")(plan.match), *plan.key_range(),
                      Mention.id.not_in(_PENDING_IDS), plan.condition, extra)
               .order_by(_FTS_ROWID.desc()))
    pending_key = literal_column(index._key_sql("mentions")).label("key")
    pending = (select(pending_key, Mention.id, Mention.cluster_id)
               .where(Mention.id.in_(_PENDING_IDS), plan.condition, extra).order_by(pending_key.desc()))
    streams = (_rows(session, indexed, limit, width=3), _rows(session, pending, limit, width=3))
    for _, mention_id, cluster_id in heapq.merge(*streams, key=lambda row: row[0], reverse=True):
        yield mention_id, cluster_id


def _rows(session: Session, statement: Select, limit: int | None, width: int = 2) -> Iterator[tuple]:
    if limit is not None:
        statement = statement.limit(limit)
    result = session.execute(statement.execution_options(yield_per=500))
    try:
        for row in result:
            yield tuple(row[:width])
    finally:
        result.close()


def _result_ids(session: Session, plan: _Plan, sort: str, dedupe: bool, limit: int | None) -> Iterator[int]:
    """Mention ids in result order; with ``dedupe`` one per story (cluster), the first for the rest."""
    rows = _ordered(session, plan, sort, None if dedupe else limit)
    ids = _one_per_story(rows) if dedupe else (mention_id for mention_id, _ in rows)
    return islice(ids, limit) if limit is not None else ids


def _one_per_story(rows: Iterator[tuple[int, int | None]]) -> Iterator[int]:
    seen: set[int] = set()
    for mention_id, cluster_id in rows:
        if cluster_id is None or cluster_id not in seen:
            if cluster_id is not None:
                seen.add(cluster_id)
            yield mention_id


def _page_ids(session: Session, plan: _Plan, request: SearchRequest) -> tuple[list[int], bool]:
    start = (request.page - 1) * request.per_page
    ids = list(_result_ids(session, plan, request.sort, request.dedupe, start + request.per_page + 1))
    return ids[start:start + request.per_page], len(ids) > start + request.per_page


def _load(session: Session, ids: list[int]) -> list[Mention]:
    if not ids:
        return []
    rows = session.scalars(select(Mention).options(joinedload(Mention.source), defer(Mention.raw_html))
                           .where(Mention.id.in_(ids))).all()
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def _story_sizes(session: Session, mentions: list[Mention]) -> dict[int, int]:
    clusters = {m.cluster_id for m in mentions if m.cluster_id is not None}
    if not clusters:
        return {}
    counts = session.execute(select(Mention.cluster_id, func.count()).where(Mention.cluster_id.in_(clusters))
                             .group_by(Mention.cluster_id))
    return dict(counts.all())


# ---- the public functions -------------------------------------------------------

@contextmanager
def _session(db) -> Iterator[Session]:
    """A session whose SQLite connection knows ``yuqing_fold`` (PostgreSQL has it from its migration)."""
    with db.session() as session:
        if db.dialect == "sqlite":
            session.connection().connection.driver_connection.create_function(
                "yuqing_fold", 1, fold, deterministic=True)
        yield session


def vocabulary(db: Database, settings: Settings) -> Vocabulary:
    """The brand and source names a user's query may filter on: the configured ones (``yuqing sources`` lists the
    sources), and any other that stored data still carries, looked up only when typed."""

    def stored(name: str, value: str) -> bool:
        statement = (select(Mention.id).where(Mention.brand == value) if name == "brand"
                     else select(Source.id).where(Source.name == value))
        with db.session() as session:
            return session.scalar(statement.limit(1)) is not None

    return Vocabulary.of({b.name: b.aliases for b in settings.brands}, [s.name for s in settings.sources], stored)


def parse(text: str, tz: tzinfo, now: datetime | None = None, vocabulary: Vocabulary | None = None) -> Query:
    return parse_query(text, tz, now or datetime.now(UTC), vocabulary)


def search(db: Database, request: SearchRequest, tz: tzinfo, now: datetime | None = None, *,
           use_index: bool = True, vocabulary: Vocabulary | None = None) -> SearchPage:
    """One page of results for what the user typed; a query the language cannot take comes back as a message.

    ``use_index=False`` finds the same page by a substring scan of every row (benchmarks and checks); with a
    ``vocabulary``, ``brand:`` and ``source:`` must name a known brand or source (see :func:`vocabulary`).
    """
    capped, request = request.capped(), request.normalised()
    try:
        query = parse(request.q, tz, now, vocabulary)
    except QueryError as exc:
        return SearchPage(request, message=str(exc))
    if use_index:
        index.sync(db.engine, limit=20_000, wait=False)
    plan = _Plan.build(query, db.dialect, use_index)
    with _session(db) as session:
        ids, has_next = _page_ids(session, plan, request)
        mentions = _load(session, ids)
        sizes = _story_sizes(session, mentions) if request.dedupe else {}
        hits = [Hit(mention=m, source=m.source.name, title_html=highlight(m.title, query.terms),
                    snippet_html=snippet(m.text, query.terms), story_size=sizes.get(m.cluster_id))
                for m in mentions]
        session.expunge_all()
    return SearchPage(request, hits=hits, has_next=has_next, notes=query.notes + capped)


def iter_matches(db: Database, query: Query, sort: str = "time", dedupe: bool = False,
                 limit: int | None = None) -> Iterator[Mention]:
    """Every match in result order (CSV export), as of the first call; loaded a batch at a time.

    The ids are read in one pass, then each batch of mentions in a short session of its own, which is closed
    before the batch is handed on: a download as slow as its reader holds no transaction meanwhile (on SQLite
    every transaction takes the write lock, so crawls would wait, then fail). A mention deleted in between is
    left out; one changed in between comes as it is now."""
    plan = _Plan.build(query, db.dialect)
    with _session(db) as session:
        ids = array("q", _result_ids(session, plan, sort if sort in SORTS else "time", dedupe, limit))
    for start in range(0, len(ids), EXPORT_BATCH):
        with db.session() as session:
            mentions = _load(session, list(ids[start:start + EXPORT_BATCH]))
            session.expunge_all()
        yield from mentions


@dataclass(frozen=True)
class DayVolume:
    day: date
    positive: int = 0
    neutral: int = 0
    negative: int = 0

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative


def daily_volume(db: Database, query: Query, tz: tzinfo, days: int = 30,
                 now: datetime | None = None) -> list[DayVolume]:
    """Matches per local day and sentiment in the query's time range (else the last ``days`` days)."""
    now = now or datetime.now(UTC)
    since, until = query.time_bounds()
    end = min(until or now, now)
    start = since or end - timedelta(days=days)
    start = max(start, end - timedelta(days=MAX_CHART_DAYS))
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    counts: dict[date, dict[str, int]] = {}
    plan = _Plan.build(_bounded(query, start, end), db.dialect)
    with _session(db) as session:
        rows = session.execute(select(Mention.published_at, Mention.label).where(*plan.where())
                               .execution_options(yield_per=2000))
        for published_at, label in rows:
            bucket = counts.setdefault(published_at.astimezone(tz).date(), {})
            bucket[label] = bucket.get(label, 0) + 1
    result = []
    day = first
    while day <= last:
        bucket = counts.get(day, {})
        result.append(DayVolume(day, *(bucket.get(label, 0) for label in LABELS)))
        day += timedelta(days=1)
    return result


def _bounded(query: Query, start: datetime, end: datetime) -> Query:
    bounds = (Filter("since", start), Filter("until", end + timedelta(microseconds=1)))
    node = query.node
    parts = node.nodes if isinstance(node, And) else ((node,) if node is not None else ())
    return Query(text=query.text, node=And((*parts, *bounds)), notes=query.notes)


def count_matches(db: Database, query: Query) -> int:
    plan = _Plan.build(query, db.dialect)
    with _session(db) as session:
        return session.scalar(select(func.count()).select_from(Mention).where(*plan.where())) or 0


def safe_url(url: str | None) -> str | None:
    """The original's address if it is a web address; a ``javascript:`` or ``data:`` link from a hostile page
    is not, and a client that puts ``url`` in an ``href`` must be able to trust it."""
    if not url:
        return None
    return url if urlsplit(url.strip()).scheme.lower() in ("http", "https") else None


def record(hit_or_mention: Hit | Mention, tz: tzinfo) -> dict:
    """A result as the JSON API and ``yuqing search --json`` give it: ``url`` is always http(s) or null, and
    any other link the site gave is kept, under a name that says so, in ``unsafe_url``."""
    hit = hit_or_mention if isinstance(hit_or_mention, Hit) else None
    mention = hit.mention if hit else hit_or_mention
    url = safe_url(mention.url)
    row = {
        "id": mention.id, "brand": mention.brand, "source": mention.source.name, "kind": mention.source_kind,
        "title": mention.title, "text": mention.text, "url": url, "author": mention.author,
        "published_at": mention.published_at.astimezone(tz).isoformat(),
        "sentiment": round(mention.sentiment, 4), "label": mention.label, "category": mention.category,
        "grade": mention.grade, "region": mention.region,
        "reposts": mention.reposts, "comments": mention.comments, "likes": mention.likes,
        "cluster_id": mention.cluster_id,
    }
    if url is None and mention.url:
        row["unsafe_url"] = mention.url
    if hit:
        row["highlight"] = {"title": str(hit.title_html), "snippet": str(hit.snippet_html)}
        if hit.story_size is not None:
            row["story_size"] = hit.story_size
    return row




def counts_by(db: Database, query: Query, *columns: str) -> dict[tuple, int]:
    """How many mentions match ``query``, per value of ``columns`` (``"source_kind"``, ``"label"``, ...)."""
    plan = _Plan.build(query, db.dialect)
    keys = [getattr(Mention, name) for name in columns]
    with _session(db) as session:
        rows = session.execute(select(*keys, func.count()).where(*plan.where()).group_by(*keys))
        return {tuple(row[:-1]): row[-1] for row in rows}
