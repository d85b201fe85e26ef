"""The item pipeline: validate -> normalise -> match brand -> analyse -> store. Each step is one small component.

Every step works on a :class:`~crawler.items.MentionItem` through ``process(item)`` so ``yuqing import`` runs the
same steps without Scrapy; the Scrapy hooks are thin wrappers that read the wiring from the crawler settings
(``crawler.yuqing_settings``: the validated settings, ``crawler.yuqing_db``: the database, both set
by ``crawler.run``) and count outcomes in the stats.

The order is written once, in :data:`PIPELINE`: ``crawler.settings.ITEM_PIPELINES`` and :func:`run_pipeline`
both derive from it. A step that leaves a mention out raises a :class:`Dropped` subclass, whose ``outcome``
names the count it goes to; nothing reads the message text to tell drops apart.
"""

from __future__ import annotations

import logging
import re
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from scrapy.exceptions import DropItem, NotConfigured
from sqlalchemy import select
from sqlalchemy.orm import object_session
from w3lib.html import remove_tags, replace_entities

from crawler.brands import BrandMatcher
from crawler.items import MentionItem
from crawler.validate import InvalidMention, coerce
from nlp.text import to_simplified

if TYPE_CHECKING:  # annotations only: nothing here runs an import up to the CLI layer
    from storage.db import Database
    from yuqing.config import Settings

log = logging.getLogger(__name__)

# A post longer than this is a page dump, not a mention; analysing megabytes would stall the crawl.
MAX_TEXT_CHARS = 20_000
MAX_RAW_CHARS = 200_000
_SPACE = re.compile(r"\s+")


def html_to_text(value: str) -> str:
    if "<" in value or "&" in value:
        value = replace_entities(remove_tags(re.sub(r"<br\s*/?>|</p>", "\n", value, flags=re.I)))
    return _SPACE.sub(" ", value).strip()


@lru_cache(maxsize=4)
def shared_analyzer(model: str, brand_words: tuple[str, ...], neutral_band: float, grade_config):
    """One analyzer per process: jieba's dictionary and the model load once."""
    import gc

    from nlp.analyze import Analyzer

    analyzer = Analyzer(model_path=None if model == "default" else model, brand_words=brand_words,
                        neutral_band=neutral_band, grade_config=grade_config)
    # What exists now (the model, the dictionaries, Scrapy's own machinery) lives as long as the process; a full
    # collection of the cyclic GC would walk it all again while the crawl runs. Frozen, the collector skips it
    # (bench-crawl back to back on a quiet machine: faster with it in each of five pairs, by 4-18 %).
    gc.freeze()
    return analyzer


def analyzer_for(settings: Settings):
    from nlp.grade import DEFAULT_GRADE_CONFIG, with_extra_words

    words = tuple(word for brand in settings.brands for word in brand.keywords)
    grade = settings.nlp.grade
    config = with_extra_words(DEFAULT_GRADE_CONFIG, grade.words, **grade.thresholds())
    return shared_analyzer(settings.nlp.model, words, settings.nlp.neutral_band, config)


class Dropped(DropItem):
    """A mention the pipeline leaves out; ``outcome`` is the count it goes to."""

    outcome = "dropped"


class EmptyMention(Dropped):
    outcome = "dropped"


class NotAboutBrand(Dropped):
    outcome = "unmatched"


class Unstorable(Dropped):
    """A value no column can take; the mention is kept as a dead letter with this reason."""

    outcome = "failed"


class Step(ABC):
    """A pipeline step. ``process`` returns the item, or raises a :class:`Dropped` with the reason."""

    @classmethod
    def from_crawler(cls, crawler):
        settings = getattr(crawler, "yuqing_settings", None)
        if settings is None:
            raise NotConfigured("no yuqing settings on the crawler: crawls are started by `yuqing crawl`")
        step = cls(settings, getattr(crawler, "yuqing_db", None))
        step.stats = crawler.stats
        return step

    def __init__(self, settings, db=None) -> None:
        self.settings = settings
        self.db = db
        self.stats = None

    @abstractmethod
    def process(self, item: MentionItem) -> MentionItem: ...

    def process_item(self, item: MentionItem) -> MentionItem:
        try:
            return self.process(item)
        except Dropped as drop:
            if self.stats:
                self.stats.inc_value(f"yuqing/{drop.outcome}")
            raise


class ValidateStep(Step):
    """Every value fitted to its column (:mod:`crawler.validate`); what cannot be becomes a dead letter."""

    def process(self, item: MentionItem) -> MentionItem:
        try:
            return coerce(item)
        except InvalidMention as exc:
            if self.db is not None:
                from storage import dead_letters

                with self.db.session() as session:
                    dead_letters.record(session, source=str(item.source), reason=str(exc),
                                        item=item_json(item), origin=item.origin)
            log.error("%s: cannot store %s: %s", item.source, item.origin or item.url, exc)
            raise Unstorable(str(exc)) from None


class NormalizeStep(Step):
    """HTML to text, whitespace collapsed, the original kept; dates made aware."""

    def process(self, item: MentionItem) -> MentionItem:
        if item.raw_html is None and ("<" in item.text):
            item.raw_html = item.text[:MAX_RAW_CHARS]
        item.title = html_to_text(item.title or "")[:500]
        item.text = html_to_text(item.text or "")[:MAX_TEXT_CHARS]
        if not item.text and not item.title:
            raise EmptyMention(f"empty mention {item.url}")
        if item.published_at is not None and item.published_at.tzinfo is None:
            item.published_at = item.published_at.replace(tzinfo=self.settings.tz)
        return item


class BrandMatchStep(Step):
    """Keeps a mention only if it is about a configured brand (after traditional -> simplified)."""

    def __init__(self, settings, db=None) -> None:
        super().__init__(settings, db)
        self.matcher = BrandMatcher.from_settings(settings.brands)
        self.names = {rule.name for rule in self.matcher.rules}
        self.official = {(brand.name, source): set(accounts)
                         for brand in settings.brands for source, accounts in brand.official_accounts.items()}

    def process(self, item: MentionItem) -> MentionItem:
        item.brand = item.brand if item.brand in self.names else None
        item.brand = item.brand or self.matcher.match(to_simplified(f"{item.title}\n{item.text}"))
        if item.brand is None:
            raise NotAboutBrand(f"no brand matched {item.url}")
        # The one place a mention is marked as the brand's own voice; storage and the alerts only read the mark.
        item.official = (item.author or "").strip() in self.official.get((item.brand, item.source), ())
        return item


class AnalyzeStep(Step):
    """Sentiment, category, grade, region, keywords and fingerprint from ``nlp``."""

    def __init__(self, settings, db=None) -> None:
        super().__init__(settings, db)
        self.analyzer = analyzer_for(settings)

    def process(self, item: MentionItem) -> MentionItem:
        item.analysis = self.analyzer.analyze(
            item.text,
            title=item.title,
            region_hint=item.region,
            followers=item.author_followers,
            reposts=item.reposts,
            comments=item.comments,
            likes=item.likes,
            is_media=bool(item.is_media),
        )
        return item


class StoreStep(Step):
    """Stores mentions (idempotently) in small batches and files each into its story cluster.

    One transaction per mention made the database, not the sites, the limit of a crawl; a batch is written
    when it reaches ``BATCH_SIZE`` items or ``BATCH_SECONDS`` age, and when the crawl closes. A mention the
    database refuses is rolled back on its own savepoint and kept as a dead letter with the reason, so it never
    takes its batch down with it; when the database refuses the whole batch (read-only, gone), the batch goes
    to the dead-letter file. Either way ``failures`` lists each lost mention with its reason.
    """

    BATCH_SIZE = 50
    BATCH_SECONDS = 2.0

    def __init__(self, settings, db=None, *, replay: bool = False) -> None:
        super().__init__(settings, db)
        if db is None:
            raise NotConfigured("no database on the crawler: crawls are started by `yuqing crawl`")
        # A replay (import) restores what was seen then: it must not move a stored mention's fetched_at.
        self.replay = replay
        self.stories = None
        self.outcomes: Counter[str] = Counter()
        self.failures: list[tuple[MentionItem, str]] = []
        self.pending: list[MentionItem] = []
        self.oldest = 0.0

    def process(self, item: MentionItem) -> MentionItem:
        if not self.pending:
            self.oldest = time.monotonic()
        self.pending.append(item)
        if len(self.pending) >= self.BATCH_SIZE or time.monotonic() - self.oldest >= self.BATCH_SECONDS:
            self.flush()
        return item

    def close_spider(self) -> None:
        self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        try:
            results = self._write(batch)
        except Exception as exc:  # the database refused the batch as a whole: keep it in the file instead
            reason = f"database refused the batch: {_one_line(exc)}"
            self._to_file(batch, reason)
            results = [(item, "failed", reason) for item in batch]
        for item, outcome, reason in results:
            self._count(outcome)
            if reason:
                self.failures.append((item, reason))
                log.error("%s: cannot store %s: %s", item.source, item.origin or item.url, reason)

    def _write(self, batch: list[MentionItem]) -> list[tuple[MentionItem, str, str | None]]:
        from storage import dead_letters

        if self.stories is None:
            self.stories = self._load_stories()
        results = []
        with self.db.session() as session:
            sources = {}
            for item in batch:
                try:
                    outcome = self._store(session, sources, item)
                except Exception as exc:  # one value the database refuses must not lose the batch
                    reason = _one_line(exc)
                    with session.begin_nested():
                        dead_letters.record(session, source=item.source, reason=reason, item=item_json(item),
                                            origin=item.origin)
                    results.append((item, "failed", reason))
                    continue
                results.append((item, outcome, None))
        return results

    def _store(self, session, sources: dict, item: MentionItem) -> str:
        """One mention on its own savepoint: ``new``, ``updated`` or ``unchanged``.

        A unique-key clash means another crawler stored the same post a moment ago; the second try finds that
        row and updates it.
        """
        from sqlalchemy.exc import IntegrityError

        from storage.repo import get_or_create_source, upsert_mention

        for last_try in (False, True):
            try:
                with session.begin_nested():
                    if item.source not in sources:
                        sources[item.source] = get_or_create_source(session, item.source, item.source_kind)
                    row, created = upsert_mention(session, sources[item.source], mention_values(item),
                                                  seen_now=not self.replay, savepoint=False)
                    if created:
                        self._file_into_story(row)  # flushes: a clash shows here
                        return "new"
                    return "updated" if session.is_modified(row) else "unchanged"
            except IntegrityError:
                sources.pop(item.source, None)  # rolled back with the savepoint if it was made in it
                if last_try:
                    raise
        raise AssertionError("unreachable")

    def _to_file(self, batch: list[MentionItem], reason: str) -> None:
        from storage import dead_letters

        entries = [{"source": i.source, "reason": reason, "origin": i.origin, "item": item_json(i)} for i in batch]
        path = dead_letters.file_path(self.db.url)
        if dead_letters.append_to_file(path, entries):
            log.error("%d mentions kept in %s: %s", len(batch), path, reason)

    def _file_into_story(self, row) -> None:
        session = object_session(row)
        session.flush()
        found = self.stories.find(row.fingerprint) if row.fingerprint is not None else None
        row.cluster_id = found if found is not None else row.id
        if row.fingerprint is not None and found is None:
            self.stories.add(row.cluster_id, row.fingerprint)

    def _count(self, outcome: str) -> None:
        self.outcomes[outcome] += 1
        if self.stats:
            self.stats.inc_value(f"yuqing/{outcome}")

    def _load_stories(self):
        """Recent fingerprints, so a repost crawled after a restart still joins its story."""
        from nlp.cluster import StoryIndex
        from storage.models import Mention

        index = StoryIndex()
        since = datetime.now(UTC) - timedelta(days=14)
        with self.db.session() as session:
            rows = session.execute(
                select(Mention.cluster_id, Mention.fingerprint)
                .where(Mention.stored_at >= since, Mention.fingerprint.is_not(None))
                .order_by(Mention.id)
            )
            for cluster_id, fingerprint in rows:
                if index.find(fingerprint) is None:
                    index.add(cluster_id, fingerprint)
        return index


def mention_values(item: MentionItem) -> dict:
    """The row for a normalised, matched and analysed item."""
    analysis = item.analysis
    now = datetime.now(UTC)
    return {
        "source_kind": item.source_kind,
        "external_id": item.external_id,
        "url": item.url,
        "title": item.title,
        "text": item.text,
        "raw_html": item.raw_html,
        "author": (item.author or None) and item.author[:200],
        "author_followers": item.author_followers,
        "author_verified": item.author_verified,
        "is_media": bool(item.is_media),
        "region": analysis.region or item.region,
        "published_at": min(item.published_at or now, now),
        "fetched_at": now,
        "stored_at": now,
        # None, not 0, where the page shows no count: a refresh then keeps the count an earlier page gave.
        "reposts": item.reposts,
        "comments": item.comments,
        "likes": item.likes,
        "rating": item.rating,
        "extra": item.extra,
        "brand": item.brand,
        "sentiment": analysis.sentiment,
        "label": analysis.label,
        "category": analysis.category,
        "grade": analysis.grade,
        "reasons": list(analysis.reasons),
        "keywords": list(analysis.keywords),
        "tokens": " ".join(analysis.tokens),
        "fingerprint": analysis.fingerprint,
        "official": item.official,
    }


def item_json(item: MentionItem) -> dict:
    """The mention in the ``yuqing import`` line shape, whatever its values (a dead letter must always fit)."""
    import json

    data = item.to_json() if isinstance(item.published_at, datetime | None) else {**vars(item)}
    data.pop("analysis", None)
    data.pop("origin", None)
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def _one_line(exc: BaseException) -> str:
    """An exception as the one line a user reads: the driver's message without SQLAlchemy's SQL dump."""
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{type(getattr(exc, 'orig', None) or exc).__name__}: {message[0] if message else ''}"[:500]


PIPELINE = (ValidateStep, NormalizeStep, BrandMatchStep, AnalyzeStep, StoreStep)


def item_pipelines() -> dict[str, int]:
    """Scrapy's ``ITEM_PIPELINES``, in :data:`PIPELINE`'s order."""
    return {f"{step.__module__}.{step.__qualname__}": 100 * (n + 1) for n, step in enumerate(PIPELINE)}


@dataclass
class PipelineReport:
    """What became of the items: a count per outcome, and each failed mention with its reason."""

    outcomes: Counter[str]
    failures: list[tuple[MentionItem, str]]


def run_pipeline(
    settings: Settings, db: Database, items: Iterable[MentionItem], *, replay: bool = True
) -> PipelineReport:
    """The crawl pipeline without Scrapy (``yuqing import``): counts of new, updated, unchanged, dropped, failed."""
    steps = [step(settings, db, replay=replay) if step is StoreStep else step(settings, db) for step in PIPELINE]
    store = steps[-1]
    outcomes: Counter[str] = Counter()
    for item in items:
        try:
            for step in steps:
                item = step.process(item)
        except Dropped as drop:
            outcomes[drop.outcome] += 1
            if isinstance(drop, Unstorable):
                store.failures.append((item, str(drop)))
    store.flush()
    outcomes.update(store.outcomes)
    return PipelineReport(outcomes, store.failures)
