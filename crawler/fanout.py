"""Keyword fan-out: which searches a keyword-search source sends in one run, so 500 brands stay within a run's time.

One search per brand name and alias is 1,000 searches a run for 500 brands: at a 1 s delay that outlasts the
crawl limit before a page of results is read. So a source sends at most ``searches_per_run`` searches a run:

- **combine** where the site's search takes alternatives in one query (``combine_with``, e.g. ``" | "``):
  up to ``terms_per_search`` terms go in one search, so fewer searches cover every term;
- **rotate** where it does not: the searches are cut into windows of ``searches_per_run`` and each run takes the
  next window, so every term is searched once per cycle of ``ceil(searches / searches_per_run)`` runs;
- **spread over the interval**: the window is chosen by the clock (which interval the run falls in), not by a
  counter, so any process (a restarted daemon, another worker) computes the same window with no state to share,
  and ``yuqing sources`` can say when each brand was last due.

Which sites take alternatives is the operator's knowledge of the site (none of the built-in spiders' sites is
known to us to accept an OR syntax, so nothing is combined by default). Results are re-matched locally, so a
combined search never files a mention under the wrong brand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class SearchPlan:
    """Every search of a source, in a fixed order, and how many of them one run sends."""

    searches: tuple[tuple[str, ...], ...]
    per_run: int
    joiner: str
    interval: timedelta

    @property
    def cycle(self) -> int:
        """How many runs it takes to send every search once."""
        return max(1, math.ceil(len(self.searches) / self.per_run)) if self.per_run else 1

    def window_index(self, moment: datetime) -> int:
        slot = int(moment.timestamp() // max(self.interval.total_seconds(), 1))
        return slot % self.cycle

    def window(self, moment: datetime) -> list[tuple[str, ...]]:
        """The searches a run at ``moment`` sends."""
        if not self.per_run:
            return list(self.searches)
        start = self.window_index(moment) * self.per_run
        return list(self.searches[start:start + self.per_run])

    def queries(self, moment: datetime) -> list[str]:
        """The query strings a run at ``moment`` sends, terms joined as the site takes alternatives."""
        return [self.joiner.join(terms) for terms in self.window(moment)]

    def last_due(self, term: str, moment: datetime) -> datetime | None:
        """When the run that searched ``term`` most recently (up to ``moment``) was due, or None if never."""
        position = next((i for i, terms in enumerate(self.searches) if term in terms), None)
        if position is None:
            return None
        if not self.per_run:
            return moment
        seconds = max(self.interval.total_seconds(), 1)
        slot = int(moment.timestamp() // seconds)
        behind = (self.window_index(moment) - position // self.per_run) % self.cycle
        return datetime.fromtimestamp((slot - behind) * seconds, moment.tzinfo)


def search_plan(source, brands) -> SearchPlan:
    """The plan for one source: its own keywords if it lists some, else every brand's name and aliases."""
    terms = list(dict.fromkeys(source.keywords or [word for brand in brands for word in brand.keywords]))
    size = source.terms_per_search if source.combine_with else 1
    searches = tuple(tuple(terms[i:i + size]) for i in range(0, len(terms), size))
    return SearchPlan(searches, source.searches_per_run, source.combine_with, source.interval)


# The spiders that search by keyword (Tieba does when it lists no forums).
KEYWORD_SPIDERS = frozenset({"weibo", "heimao", "zhihu", "tieba"})


def searches_brands(source) -> bool:
    """Whether the source asks the site's search for the brands (rather than reading lists or feeds)."""
    return source.spider in KEYWORD_SPIDERS and not source.keywords and not (source.spider == "tieba"
                                                                             and source.forums)


def coverage(source, brands, moment: datetime) -> dict[str, datetime | None]:
    """Per brand, when the run that last searched all its terms was due: how fresh its results can be."""
    plan = search_plan(source, brands)
    result = {}
    for brand in brands:
        due = [plan.last_due(term, moment) for term in brand.keywords]
        result[brand.name] = None if None in due or not due else min(due)
    return result
