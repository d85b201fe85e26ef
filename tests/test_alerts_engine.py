"""Indicators and evaluation on SQLite and the real PostgreSQL server: figures, state rows, outbox rows."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from alerts import store
from alerts.engine import evaluate
from alerts.indicators import measure
from alerts.models import Alert, AlertEvent, Silence
from delivery.models import OutboxMessage
from delivery.outbox import enqueue
from demo import synthetic
from storage.models import Source
from yuqing.cli import main
from yuqing.config import Settings

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
DEPARTMENTS = {
    "pr": ["pr@qinghe.cn"],
    "quality": ["quality@qinghe.cn"],
    "leadership": ["ceo@qinghe.cn"],
    "customer_service": ["cs@qinghe.cn"],
    "operations": ["ops@qinghe.cn"],
}


def settings_for(database, tmp_path, **alerts) -> Settings:
    return Settings.model_validate(
        {
            "storage": {"url": database.url},
            "brands": [{"name": "青禾"}, {"name": "星澜汽车"}],
            "alerts": alerts,
            "mail": {"mailbox_dir": str(tmp_path / "mailbox"), "departments": DEPARTMENTS},
        }
    )


def negatives(n: int, at: datetime, spacing: timedelta = MIN, brand: str = "青禾", **values) -> list[dict]:
    values.setdefault("category", "产品质量")
    return [synthetic.mention(brand, at + i * spacing, label="negative", **values) for i in range(n)]


def outbox(database) -> list[OutboxMessage]:
    with database.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_indicators_count_volume_share_regions_media_reach_stories_and_categories(database, tmp_path):
    settings = settings_for(database, tmp_path)
    rows = [
        *negatives(3, NOW - 30 * MIN, region="北京", cluster_id=7, followers=1000, reposts=2),
        *negatives(2, NOW - 3 * timedelta(hours=1), region="上海", source="news", category="服务态度"),
        synthetic.mention(
            "青禾",
            NOW - 10 * MIN,
            label="negative",
            is_media=True,
            region="广东",
            grade="重大",
            category="产品质量",
        ),
        *[synthetic.mention("青禾", NOW - 20 * MIN, label="positive") for _ in range(4)],
        synthetic.mention("青禾", NOW - 2 * timedelta(days=1), label="negative"),  # outside every window
        synthetic.mention("星澜汽车", NOW - 5 * MIN, label="negative", region="四川"),
    ]
    synthetic.store(database, rows)
    with database.session() as session:
        figures = measure(session, settings.alerts, NOW)
    brand = figures[("青禾", "全部")]
    assert brand.get("negative_volume_1h") == 4 and brand.get("negative_volume_6h") == 6
    assert brand.get("regions_1h") == 2 and brand.get("regions_6h") == 3
    assert brand.get("negative_media_1h") == 1 and brand.get("negative_media_6h") == 3
    assert (
        brand.get("major_count_1h") == 1 and brand.get("serious_count_24h") == 1 and brand.max_grade == "重大"
    )
    assert brand.get("largest_story_6h") == 3
    assert brand.get("negative_reach_1h") == 3 * (1000 + 2 * 50) + 100
    assert brand.get("negative_share_1h") is None  # 8 mentions: too few for a share to mean anything
    assert figures[("青禾", "服务态度")].get("negative_volume_6h") == 2
    assert figures[("青禾", "产品质量")].get("negative_volume_1h") == 4
    assert figures[("星澜汽车", "全部")].get("negative_volume_1h") == 1


def test_growth_compares_with_the_same_window_on_trailing_days_once_the_count_is_enough(database, tmp_path):
    settings = settings_for(database, tmp_path)
    history = [m for day in range(1, 8) for m in negatives(4, NOW - day * timedelta(days=1) - 50 * MIN)]
    synthetic.store(database, [*history, *negatives(9, NOW - 40 * MIN)])
    with database.session() as session:
        quiet = measure(session, settings.alerts, NOW)[("青禾", "全部")]
    assert quiet.baselines["1h"] == 4 and quiet.get("growth_1h") is None  # 9 < min_negative_for_growth
    synthetic.store(database, negatives(11, NOW - 30 * MIN))
    with database.session() as session:
        busy = measure(session, settings.alerts, NOW)[("青禾", "全部")]
    assert busy.get("growth_1h") == 20 / 4


def test_mentions_published_or_stored_after_now_do_not_count_live(database, tmp_path):
    settings = settings_for(database, tmp_path)
    synthetic.store(
        database,
        [
            *negatives(3, NOW - 5 * MIN),
            *negatives(2, NOW + MIN),
            *negatives(4, NOW - 5 * MIN, stored_at=NOW + 5 * MIN),
        ],
    )
    with database.session() as session:
        live = measure(session, settings.alerts, NOW)[("青禾", "全部")]
        replayed = measure(session, settings.alerts, NOW, live=False)[("青禾", "全部")]
    assert live.get("negative_volume_1h") == 3 and replayed.get("negative_volume_1h") == 7


def test_firing_escalation_and_resolve_each_write_one_outbox_row_and_events(database, tmp_path):
    settings = settings_for(database, tmp_path)
    synthetic.store(database, negatives(12, NOW - 30 * MIN, region="北京"))
    reports = [evaluate(database, settings, now=NOW + i * MIN) for i in range(12)]
    assert [r.enqueued for r in reports] == [0] * 10 + [1, 0]  # 一般 waits 10 minutes, then tells once
    synthetic.store(
        database,
        [synthetic.mention("青禾", NOW + 12 * MIN, label="negative", grade="重大", category="产品质量")],
    )
    assert evaluate(database, settings, now=NOW + 12 * MIN).enqueued == 1
    evaluate(database, settings, now=NOW + 13 * MIN)
    messages = outbox(database)
    assert [m.subject.split("】")[0] for m in messages] == ["【一般", "【重大·升级"]
    assert messages[0].subject == "【一般】青禾 负面舆情预警：1小时负面 12 条 (阈值 10)"
    assert messages[0].recipients == ["pr@qinghe.cn", "quality@qinghe.cn"]
    assert messages[1].recipients == ["pr@qinghe.cn", "quality@qinghe.cn", "ceo@qinghe.cn"]

    later = NOW + timedelta(days=2)
    evaluate(database, settings, now=later)
    resolved = outbox(database)[-1]
    assert resolved.subject.startswith("【已解除】青禾") and "ceo@qinghe.cn" in resolved.recipients
    with database.session() as session:
        alert = session.scalar(select(Alert).where(Alert.scope == "全部"))
        kinds = [
            e.kind
            for e in session.scalars(
                select(AlertEvent).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id)
            )
        ]
        assert alert.state == "resolved" and alert.resolved_at == later and alert.last_notified_level is None
    assert [k for k in kinds if k != "notified"] == ["pending", "firing", "escalated", "resolved"]
    assert kinds.count("notified") == 3


def test_category_alert_at_the_brand_wide_level_is_inhibited(database, tmp_path):
    settings = settings_for(database, tmp_path)
    synthetic.store(database, negatives(1, NOW - 5 * MIN, grade="重大"))
    report = evaluate(database, settings, now=NOW)
    muted = {c.key[2]: c.muted for c in report.changes}
    assert muted == {"全部": None, "产品质量": "inhibited"}
    assert len(outbox(database)) == 1


def test_silence_holds_notifications_until_it_ends(database, tmp_path):
    settings = settings_for(database, tmp_path)
    with database.session() as session:
        session.add(
            Silence(brand="青禾", scope=None, starts_at=NOW - MIN, ends_at=NOW + 30 * MIN, reason="已知")
        )
    synthetic.store(database, negatives(1, NOW - 5 * MIN, grade="重大"))
    assert evaluate(database, settings, now=NOW).enqueued == 0
    assert evaluate(database, settings, now=NOW + 10 * MIN).enqueued == 0
    assert evaluate(database, settings, now=NOW + 31 * MIN).enqueued == 1
    assert outbox(database)[0].subject.startswith("【重大】青禾")


def test_acknowledged_alert_stops_repeating(database, tmp_path):
    settings = settings_for(database, tmp_path)
    path = tmp_path / "settings.toml"
    path.write_text(f'[storage]\nurl = "{database.url}"\n[[brands]]\nname = "青禾"\n', encoding="utf-8")
    synthetic.store(database, negatives(1, NOW - 5 * MIN, grade="重大"))
    evaluate(database, settings, now=NOW)
    assert evaluate(database, settings, now=NOW + timedelta(hours=4)).enqueued == 1  # a reminder
    with database.session() as session:
        alert_id = session.scalar(select(Alert.id).where(Alert.scope == "全部"))
    assert main(["--settings", str(path), "alerts", "ack", str(alert_id), "--by", "王经理"]) == 0
    assert evaluate(database, settings, now=NOW + timedelta(hours=8)).enqueued == 0
    with database.session() as session:
        assert session.get(Alert, alert_id).acknowledged_by == "王经理"


def test_a_source_failing_for_longer_than_nodata_after_alerts_operations(database, tmp_path):
    settings = settings_for(database, tmp_path, nodata_after="6h")
    with database.session() as session:
        session.add(
            Source(
                name="weibo",
                kind="social",
                failures=5,
                last_success_at=NOW - timedelta(hours=7),
                last_error_at=NOW - MIN,
                last_error="HTTP 418",
            )
        )
        session.add(
            Source(
                name="tieba",
                kind="forum",
                failures=1,
                last_success_at=NOW - timedelta(hours=2),
                last_error_at=NOW - MIN,
                last_error="timeout",
            )
        )
    assert evaluate(database, settings, now=NOW).enqueued == 1
    message = outbox(database)[0]
    assert message.recipients == ["ops@qinghe.cn"] and "weibo" in message.subject
    with database.session() as session:
        session.scalar(select(Source).where(Source.name == "weibo")).last_success_at = NOW + MIN
    evaluate(database, settings, now=NOW + 2 * MIN)
    assert outbox(database)[-1].subject.startswith("【已恢复】weibo")


def test_enqueue_is_idempotent_by_key(database):
    with database.session() as session:
        first = enqueue(
            session,
            kind="digest",
            recipients=["a@b.cn"],
            subject="日报",
            text="t",
            html=None,
            key="d1",
            images=[("c1@yuqing", b"\x89PNG")],
        )
        again = enqueue(
            session, kind="digest", recipients=["a@b.cn"], subject="日报", text="t", html=None, key="d1"
        )
    assert first is not None and again is None
    with database.session() as session:
        again = enqueue(
            session, kind="digest", recipients=["a@b.cn"], subject="日报", text="t", html=None, key="d1"
        )
        assert again is None
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_unsilence_ends_a_silence_and_the_held_notification_goes_out(database, tmp_path, capsys):
    settings = settings_for(database, tmp_path)
    path = tmp_path / "settings.toml"
    path.write_text(f'[storage]\nurl = "{database.url}"\n[[brands]]\nname = "青禾"\n', encoding="utf-8")
    now = datetime.now(UTC)
    synthetic.store(database, negatives(1, now - 5 * MIN, grade="重大"))
    assert main(["--settings", str(path), "alerts", "silence", "青禾", "--for", "2h", "--reason", "已知问题"]) == 0
    assert evaluate(database, settings).enqueued == 0
    with database.session() as session:
        silence_id = session.scalar(select(Silence.id))
    assert main(["--settings", str(path), "alerts", "unsilence", str(silence_id)]) == 0
    assert evaluate(database, settings).enqueued == 1
    assert main(["--settings", str(path), "alerts", "unsilence", str(silence_id)]) == 1
    assert "already ended" in capsys.readouterr().err
    with database.session() as session:
        assert session.get(Silence, silence_id).reason == "已知问题"  # ended, not deleted


def test_concurrent_evaluations_of_a_new_alert_never_raise_and_tell_people_once(database, tmp_path):
    settings = settings_for(database, tmp_path)
    synthetic.store(database, negatives(1, NOW - 5 * MIN, grade="重大"))
    start, errors = threading.Barrier(4), []

    def evaluator() -> None:
        start.wait()
        try:
            evaluate(database, settings, now=NOW)
        except Exception as exc:  # noqa: BLE001 - the assertion below names what was raised
            errors.append(exc)

    threads = [threading.Thread(target=evaluator) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Alert).where(Alert.scope == "全部")) == 1
    assert [m.subject.split("】")[0] for m in outbox(database)] == ["【重大"]


def test_creating_an_alert_that_another_writer_just_created_uses_its_row(database):
    key = ("brand", "青禾", "全部")
    with database.session() as session:
        created = store.row_for(session, {}, key, NOW).id
    with database.session() as session:
        # An evaluator that loaded the table before the other one committed does not know the row.
        assert store.row_for(session, {}, key, NOW + MIN).id == created
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 1


def test_a_firing_alert_with_muted_categories_writes_rows_only_on_changes(database, tmp_path):
    settings = settings_for(database, tmp_path)
    synthetic.store(database, negatives(1, NOW - 5 * MIN, grade="重大"))
    for minute in range(30):
        evaluate(database, settings, now=NOW + minute * MIN)
    with database.session() as session:
        history = {
            scope: [kind for (kind,) in session.execute(
                select(AlertEvent.kind).join(Alert).where(Alert.scope == scope).order_by(AlertEvent.id)
            )]
            for scope in ("全部", "产品质量")
        }
    assert history == {"全部": ["firing", "notified"], "产品质量": ["firing", "inhibited"]}
