"""What the search page shows besides results: its filter form, the active alerts, safe links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from common.settings import SOURCE_KINDS
from search.query import MAX_QUERY_CHARS
from search.service import SearchRequest

if TYPE_CHECKING:
    from storage.db import Database

SENTIMENT_CHOICES = {"neg": "负面", "neu": "中性", "pos": "正面"}
GRADE_CHOICES = ("一般", "严重", "重大")
SINCE_CHOICES = {"24h": "24 小时内", "7d": "7 天内", "30d": "30 天内", "90d": "90 天内"}
SORT_CHOICES = {"time": "按时间", "relevance": "按相关度"}


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


@dataclass(frozen=True)
class FilterForm:
    """The page's form: the typed query plus the filter controls, which add ``name:value`` filters to it."""

    q: str = ""
    brand: str = ""
    kind: str = ""
    sentiment: str = ""
    grade: str = ""
    since: str = ""
    sort: str = "time"
    dedupe: bool = False
    page: int = 1
    per_page: int = 20

    @classmethod
    def from_params(cls, params, per_page: int) -> FilterForm:
        def choice(name: str, allowed) -> str:
            value = params.get(name, "")
            return value if value in allowed else ""

        # One character over the limit, so the parser notices the cut and says so.
        return cls(q=params.get("q", "")[:MAX_QUERY_CHARS + 1], brand=params.get("brand", "")[:100],
                   kind=choice("kind", SOURCE_KINDS), sentiment=choice("sentiment", SENTIMENT_CHOICES),
                   grade=choice("grade", GRADE_CHOICES), since=choice("since", SINCE_CHOICES),
                   sort=choice("sort", SORT_CHOICES) or "time",
                   dedupe=params.get("dedupe") in ("1", "on", "true"),
                   page=_int(params.get("page"), 1), per_page=_int(params.get("per_page"), per_page))

    def effective_query(self) -> str:
        filters = [self.q]
        if self.brand:
            filters.append(f'brand:"{self.brand.replace(chr(34), "")}"')
        for name in ("kind", "sentiment", "grade", "since"):
            if value := getattr(self, name):
                filters.append(f"{name}:{value}")
        return " ".join(f for f in filters if f)

    def search_request(self) -> SearchRequest:
        return SearchRequest(q=self.effective_query(), sort=self.sort, dedupe=self.dedupe, page=self.page,
                             per_page=self.per_page)

    def query_string(self, **changes) -> str:
        values = {"q": self.q, "brand": self.brand, "kind": self.kind, "sentiment": self.sentiment,
                  "grade": self.grade, "since": self.since, "sort": self.sort,
                  "dedupe": "1" if self.dedupe else "",
                  "page": self.page, **changes}
        return urlencode({k: v for k, v in values.items() if v not in ("", None, 1) or k == "q"})

    def link(self, page: int) -> str:
        return "/?" + self.query_string(page=page)


@dataclass(frozen=True)
class AlertLine:
    subject: str
    scope: str
    level: str | None
    state: str
    since: datetime | None
    acknowledged: bool


def active_alerts(db: Database, tz: tzinfo) -> list[AlertLine]:
    """Pending and firing alerts from the alert engine's tables (none when the engine is not installed)."""
    try:
        from alerts.models import Alert
    except ImportError:
        return []
    try:
        with db.session() as session:
            rows = session.scalars(select(Alert).where(Alert.state.in_(("pending", "firing")))
                                   .order_by(Alert.updated_at.desc()).limit(20)).all()
            return [AlertLine(a.subject, a.scope, a.level, a.state,
                              a.started_at.astimezone(tz) if a.started_at else None,
                              a.acknowledged_at is not None) for a in rows]
    except SQLAlchemyError:
        return []
