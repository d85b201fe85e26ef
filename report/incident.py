"""The post-crisis report (复盘) of one alert: what happened when, how fast the team was, how the crisis spread.

The crisis plan's fourth phase is an evaluation of the response. Everything here is read from rows that were
written as the crisis happened (mentions, alert events, the outbox, silences), so the report of a resolved incident
is the same whenever it is asked for; ``yuqing report incident`` and the web page both call :func:`incident_report`.

Two moments are derived, not recorded:

- the first negative mention is where the run of public negative mentions that led to detection begins: going
  back from detection, the run breaks at the first gap longer than the shortest alert window (one quiet hour);
- the recovery is the end of the first hour after the peak in which the negative share of the brand's public
  mentions is back at or under its baseline (the share over the ``baseline_days`` before the incident).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from alerts.config import ALL_SCOPE
from alerts.evidence import TopMention, top_mentions
from alerts.indicators import public_negative
from alerts.models import Alert, AlertEvent, Silence
from alerts.response import PLAN
from alerts.rules import Finding, rank
from delivery.models import OutboxMessage
from storage.models import Mention, Source

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Longer incidents are drawn per day: 24 bars a day stop being readable after about three days.
HOURLY_UP_TO = timedelta(days=3)
# How many values of a dimension get their own series in a spread chart; the rest are 其他.
SPREAD_SERIES = 6
# Which step of the crisis plan (alerts/response.py) each response time is held against.
PLAN_STEP = {"notify": "启动预案", "acknowledge": "确认", "respond": "处置"}
MEASURE_NAMES = {"detect": "发现", "notify": "通知", "acknowledge": "确认", "respond": "首次回应", "recover": "恢复"}
MILESTONE_NAMES = {
    "first_negative": "首条负面",
    "pending": "开始满足预警条件",
    "firing": "发现（预警触发）",
    "escalated": "预警升级",
    "deescalated": "预警降级",
    "notified": "通知发出",
    "acknowledged": "确认",
    "silence_start": "静默开始",
    "silence_end": "静默结束",
    "official": "首次官方回应",
    "peak": "负面峰值",
    "recovered": "恢复（负面占比回到基线）",
    "resolved": "预警解除",
}
# Muted notifications ("silenced", "inhibited") are logged at every evaluation while they last: the silences
# themselves are the milestones.
EPISODE_EVENTS = ("pending", "firing", "escalated", "deescalated", "notified", "acknowledged", "resolved")


class IncidentError(LookupError):
    """No report can be made for the alert asked for; the message says why (Chinese first)."""


@dataclass(frozen=True)
class Milestone:
    key: str
    name: str
    at: datetime
    detail: str = ""


@dataclass(frozen=True)
class Bucket:
    start: datetime
    negative: int = 0
    total: int = 0

    @property
    def share(self) -> float | None:
        return self.negative / self.total if self.total else None


@dataclass(frozen=True)
class Spread:
    """Negative mentions per bucket for the largest values of one dimension (region, source, category)."""

    dimension: str
    series: dict[str, list[int]]


@dataclass(frozen=True)
class OfficialPost:
    at: datetime
    source: str
    author: str
    text: str
    url: str


@dataclass
class Incident:
    alert_id: int
    brand: str
    scope: str
    state: str
    highest_level: str | None
    highest_since: datetime | None
    detected_at: datetime
    resolved_at: datetime | None
    start: datetime
    end: datetime
    step: timedelta
    milestones: list[Milestone]
    measures: list[Measure]
    buckets: list[Bucket]
    baseline_share: float | None
    spreads: list[Spread]
    top: list[TopMention]
    official: list[OfficialPost]
    notifications: list[Notification] = field(default_factory=list)

    @property
    def who(self) -> str:
        return self.brand if self.scope == ALL_SCOPE else f"{self.brand}·{self.scope}"

    def milestone(self, key: str) -> Milestone | None:
        return next((m for m in self.milestones if m.key == key), None)


@dataclass(frozen=True)
class Measure:
    """How long one part of the response took: from detection (detection itself: from the first negative)."""

    key: str
    name: str
    at: datetime | None
    took: timedelta | None
    step: str | None = None
    allowed: timedelta | None = None
    deadline: datetime | None = None

    @property
    def met(self) -> bool | None:
        """Within the plan's deadline; ``None`` when the plan sets none, ``False`` when it never happened."""
        if self.deadline is None:
            return None
        return self.at is not None and self.at <= self.deadline


@dataclass(frozen=True)
class Notification:
    at: datetime
    kind: str
    level: str | None
    subject: str
    recipients: list[str]
    state: str
    sent_at: datetime | None


def incident_report(db, settings, alert_id: int, now: datetime | None = None) -> Incident:
    """The report of the latest episode of alert ``alert_id`` (its last firing up to its resolve, or now)."""
    now = now or datetime.now(UTC)
    with db.session() as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise IncidentError(f"没有编号为 #{alert_id} 的预警 (no alert #{alert_id})")
        if alert.kind != "brand":
            raise IncidentError(f"预警 #{alert_id} 是数据源告警，没有舆情复盘 (alert #{alert_id} is not a brand alert)")
        events = _episode(session, alert)
        if not events:
            raise IncidentError(f"预警 #{alert_id} 尚未触发过 (alert #{alert_id} has never fired)")
        return _build(session, settings, alert, events, now)


def _episode(session: Session, alert: Alert) -> list[AlertEvent]:
    """The events of the alert's latest episode: from the pending before its last firing to its resolve."""
    events = list(session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert.id,
                                                           AlertEvent.kind.in_(EPISODE_EVENTS))
                                  .order_by(AlertEvent.at, AlertEvent.id)))
    firings = [i for i, e in enumerate(events) if e.kind == "firing"]
    if not firings:
        return []
    first = firings[-1]
    if first > 0 and events[first - 1].kind == "pending":
        first -= 1
    episode = events[first:]
    resolved = next((i for i, e in enumerate(episode) if e.kind == "resolved"), None)
    return episode if resolved is None else episode[:resolved + 1]


def _build(session: Session, settings, alert: Alert, events: list[AlertEvent], now: datetime) -> Incident:
    alerts = settings.alerts
    detected = next(e.at for e in events if e.kind == "firing")
    resolved = next((e.at for e in events if e.kind == "resolved"), None)
    end = min(resolved or now, now)
    first_negative = _first_negative(session, alert, detected, alerts.windows[0])
    start = first_negative.published_at if first_negative else detected
    step = HOUR if end - start <= HOURLY_UP_TO else DAY
    baseline = _baseline_share(session, alert, start, alerts.baseline_days)
    buckets = _buckets(session, alert, start, end, step)
    official = official_posts(session, alert.subject, start, end)
    highest, highest_since = _highest(events)
    notifications = _notifications(session, events)

    milestones = [Milestone("first_negative", MILESTONE_NAMES["first_negative"], first_negative.published_at,
                            f"{first_negative.source.name}：{_headline(first_negative)}")] if first_negative else []
    milestones += [_event_milestone(e) for e in events]
    milestones += _silences(session, alert, start, end)
    if official:
        milestones.append(Milestone("official", MILESTONE_NAMES["official"], official[0].at,
                                    f"{official[0].author}（{official[0].source}）"))
    peak = max(buckets, key=lambda b: (b.negative, -b.start.timestamp()), default=None)
    if peak is not None and peak.negative:
        milestones.append(Milestone("peak", MILESTONE_NAMES["peak"], peak.start,
                                    f"{_span_label(step)}负面 {peak.negative} 条"))
    recovered = _recovery(buckets, peak, baseline, step)
    if recovered is not None:
        milestones.append(Milestone("recovered", MILESTONE_NAMES["recovered"], recovered,
                                    f"负面占比回到基线 {baseline:.0%} 以下" if baseline is not None else ""))
    milestones.sort(key=lambda m: m.at)

    acknowledged = next((e.at for e in events if e.kind == "acknowledged"), None)
    # Notified is when the first message was queued, in the transaction that decided it: the outbox stamps
    # delivery with the wall clock, which a replayed or simulated history (the demo) does not share. Delivery
    # is shown per message in the notification record.
    first_sent = notifications[0].at if notifications else None
    measures = _measures(
        highest, highest_since, detected,
        {"detect": (start if first_negative else None, detected), "notify": (detected, first_sent),
         "acknowledge": (detected, acknowledged), "respond": (detected, official[0].at if official else None),
         "recover": (detected, recovered)})
    return Incident(
        alert_id=alert.id, brand=alert.subject, scope=alert.scope, state=alert.state, highest_level=highest,
        highest_since=highest_since, detected_at=detected, resolved_at=resolved, start=start, end=end, step=step,
        milestones=milestones, measures=measures, buckets=buckets, baseline_share=baseline,
        spreads=_spreads(session, alert, start, end, step, len(buckets)),
        top=top_mentions(session, alerts, alert.subject, alert.scope, end, start - timedelta(seconds=1),
                         live=False),
        official=official, notifications=notifications)


def _negatives(alert: Alert):
    conditions = [Mention.brand == alert.subject, public_negative()]
    if alert.scope != ALL_SCOPE:
        conditions.append(Mention.category == alert.scope)
    return and_(*conditions)


def _first_negative(session: Session, alert: Alert, detected: datetime, gap: timedelta) -> Mention | None:
    """Going back from detection, the earliest public negative mention before a gap longer than ``gap``."""
    rows = session.scalars(select(Mention).where(_negatives(alert), Mention.published_at <= detected)
                           .order_by(Mention.published_at.desc()).limit(5000))
    first, later = None, detected
    for row in rows:
        if later - row.published_at > gap:
            break
        first, later = row, row.published_at
    return first


def _baseline_share(session: Session, alert: Alert, start: datetime, days: int) -> float | None:
    """The negative share of the brand's public mentions over the ``days`` before the incident began."""
    rows = session.execute(select(Mention.label, Mention.official, Mention.category).where(
        Mention.brand == alert.subject, Mention.published_at >= start - days * DAY, Mention.published_at < start))
    total = negative = 0
    for label, official, category in rows:
        if official:
            continue
        total += 1
        negative += label == "negative" and (alert.scope == ALL_SCOPE or category == alert.scope)
    return negative / total if total else None


def _buckets(session: Session, alert: Alert, start: datetime, end: datetime, step: timedelta) -> list[Bucket]:
    """Public mentions of the brand and the negative ones (of the alert's scope) per step, from ``start``."""
    count = max(1, int((end - start) / step) + 1)
    totals, negatives = Counter(), Counter()
    rows = session.execute(select(Mention.published_at, Mention.label, Mention.category).where(
        Mention.brand == alert.subject, Mention.official.is_(False), Mention.published_at >= start,
        Mention.published_at <= end))
    for published_at, label, category in rows:
        index = min(count - 1, int((published_at - start) / step))
        totals[index] += 1
        negatives[index] += label == "negative" and (alert.scope == ALL_SCOPE or category == alert.scope)
    return [Bucket(start + i * step, negatives[i], totals[i]) for i in range(count)]


def _recovery(buckets: list[Bucket], peak: Bucket | None, baseline: float | None,
              step: timedelta) -> datetime | None:
    if peak is None or not peak.negative:
        return None
    after = [b for b in buckets if b.start > peak.start and b.total]
    for bucket in after:
        if bucket.share is not None and bucket.share <= (baseline or 0.0):
            return bucket.start + step
    return None


def official_posts(session: Session, brand: str, start: datetime, end: datetime) -> list[OfficialPost]:
    """What the brand's own accounts posted between ``start`` and ``end``, oldest first."""
    rows = session.execute(select(Mention, Source.name).join(Source).where(
        Mention.brand == brand, Mention.official.is_(True), Mention.published_at >= start,
        Mention.published_at <= end).order_by(Mention.published_at))
    return [OfficialPost(m.published_at, name, m.author or name, m.text or m.title, m.url) for m, name in rows]


def _highest(events: list[AlertEvent]) -> tuple[str | None, datetime | None]:
    highest, since = None, None
    for event in events:
        if event.kind in ("firing", "escalated") and rank(event.level) > rank(highest):
            highest, since = event.level, event.at
    return highest, since


def _notifications(session: Session, events: list[AlertEvent]) -> list[Notification]:
    ids = [e.outbox_id for e in events if e.kind == "notified" and e.outbox_id is not None]
    messages = {m.id: m for m in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))} if ids \
        else {}
    found = []
    for event in events:
        if event.kind != "notified":
            continue
        message = messages.get(event.outbox_id)
        found.append(Notification(at=event.at, kind=(event.evidence or {}).get("notification", ""),
                                  level=event.level, subject=event.note or "",
                                  recipients=list(message.recipients) if message else [],
                                  state=message.state if message else "deleted",
                                  sent_at=message.sent_at if message else None))
    return found


def _event_milestone(event: AlertEvent) -> Milestone:
    detail = event.level or ""
    if event.kind == "notified":
        detail = event.note or ""
    elif event.kind == "acknowledged":
        detail = f"确认人 {event.note}" if event.note else "确认人未填写"
    elif event.kind in ("firing", "escalated"):
        detail = f"{event.level}：" + "；".join(reason_texts(event.evidence)[:3])
    return Milestone(event.kind, MILESTONE_NAMES[event.kind], event.at, detail.rstrip("："))


def reason_texts(evidence: dict | None) -> list[str]:
    """The conditions that held, as emails word them (``1小时负面 56 条 (阈值 50)``), from an event's evidence."""
    found = []
    for reason in (evidence or {}).get("reasons") or []:
        try:
            found.append(Finding(reason["name"], float(reason["value"]), float(reason["threshold"])).describe())
        except (KeyError, TypeError, ValueError):
            continue  # evidence written by an older version: show what can be read
    return found


def _silences(session: Session, alert: Alert, start: datetime, end: datetime) -> list[Milestone]:
    rows = session.scalars(select(Silence).where(Silence.brand == alert.subject, Silence.starts_at <= end,
                                                 Silence.ends_at >= start))
    found = []
    for row in rows:
        if row.scope not in (None, "", alert.scope) and alert.scope != ALL_SCOPE:
            continue
        who = f"{row.created_by}：" if row.created_by else ""
        found.append(Milestone("silence_start", MILESTONE_NAMES["silence_start"], row.starts_at,
                               f"{who}{row.reason}"))
        if row.ends_at <= end:
            found.append(Milestone("silence_end", MILESTONE_NAMES["silence_end"], row.ends_at, f"静默 #{row.id}"))
    return found


def _measures(level: str | None, since: datetime | None, detected: datetime,
              spans: dict[str, tuple[datetime | None, datetime | None]]) -> list[Measure]:
    plan = {step.name: step for step in PLAN.get(level or "", ())}
    measures = []
    for key, (begin, finish) in spans.items():
        step = plan.get(PLAN_STEP.get(key, ""))
        took = finish - begin if begin is not None and finish is not None else None
        deadline = (since or detected) + step.within if step else None
        measures.append(Measure(key, MEASURE_NAMES[key], finish, took, step.name if step else None,
                                     step.within if step else None, deadline))
    return measures


def _spreads(session: Session, alert: Alert, start: datetime, end: datetime, step: timedelta,
             count: int) -> list[Spread]:
    rows = session.execute(select(Mention.published_at, Mention.region, Source.name, Mention.category)
                           .join(Source).where(_negatives(alert), Mention.published_at >= start,
                                               Mention.published_at <= end))
    tallies: dict[str, dict[str, Counter]] = {name: defaultdict(Counter) for name in ("地区", "来源", "问题类别")}
    for published_at, region, source, category in rows:
        index = min(count - 1, int((published_at - start) / step))
        for name, value in (("地区", region or "未知"), ("来源", source), ("问题类别", category or "未分类")):
            tallies[name][value][index] += 1
    return [_spread(name, per_value, count) for name, per_value in tallies.items()]


def _spread(dimension: str, per_value: dict[str, Counter], count: int) -> Spread:
    ranked = sorted(per_value, key=lambda value: (-sum(per_value[value].values()), value))
    series = {value: [per_value[value][i] for i in range(count)] for value in ranked[:SPREAD_SERIES]}
    rest = ranked[SPREAD_SERIES:]
    if rest:
        series["其他"] = [sum(per_value[value][i] for value in rest) for i in range(count)]
    return Spread(dimension, series)


def _headline(mention: Mention) -> str:
    return (mention.title or mention.text or "")[:60]


def _span_label(step: timedelta) -> str:
    return "该小时" if step == HOUR else "当天"
