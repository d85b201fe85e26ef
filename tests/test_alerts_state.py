"""The alert state machine and the rule settings, without a database: timers, levels, what is due to be
told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.config import AlertSettings
from alerts.routing import departments_for
from alerts.state import (
    FIRING,
    PENDING,
    RESOLVED,
    AlertState,
    Timers,
    advance,
    inhibited_by,
    notification_due,
    notified,
)
from yuqing.config import SettingsError, load_settings

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
TIMERS = Timers(
    pending={"一般": 10 * MIN, "严重": 5 * MIN, "重大": timedelta(0)},
    min_firing={"一般": 30 * MIN, "严重": 30 * MIN, "重大": 30 * MIN},
)


def run(holds: list[str | None], state: AlertState | None = None, every: timedelta = MIN):
    """Evaluate once a minute with the given level holding; returns the final state and (minute, event)
    pairs."""
    state = state or AlertState()
    seen = []
    for minute, level in enumerate(holds):
        state, events = advance(state, level, T0 + minute * every, TIMERS)
        seen += [(minute, event) for event in events]
    return state, seen


def test_a_level_fires_only_after_holding_for_its_pending_time():
    state, seen = run(["一般"] * 12)
    assert seen == [(0, "pending"), (10, "firing")]
    assert state.state == FIRING and state.level == "一般" and state.started_at == T0 + 10 * MIN


def test_a_blip_shorter_than_pending_never_fires():
    state, seen = run(["一般"] * 5 + [None] + ["一般"] * 5)
    assert [e for _, e in seen] == ["pending", "inactive", "pending"]
    assert state.state == PENDING


def test_major_fires_at_once_and_escalation_skips_the_pending_of_lower_levels():
    state, seen = run([None, "重大"])
    assert seen == [(1, "firing")] and state.level == "重大"


def test_escalation_waits_for_the_higher_levels_own_pending_time():
    state, seen = run(["一般"] * 11 + ["严重"] * 6)
    assert seen == [(0, "pending"), (10, "firing"), (16, "escalated")]
    assert state.level == "严重"


def test_firing_level_is_kept_for_min_firing_before_it_steps_down_or_resolves():
    state, seen = run(["重大"] + ["一般"] * 40 + [None] * 40)
    assert seen == [(0, "firing"), (30, "deescalated"), (60, "resolved")]
    assert state.state == RESOLVED and state.resolved_at == T0 + 60 * MIN


def test_notifications_follow_what_was_last_told_and_repeat_until_acknowledged():
    repeat = timedelta(hours=4)
    state, _ = run(["重大"])
    assert notification_due(state, T0, repeat) == "firing"
    state = notified(state, T0)
    assert notification_due(state, T0 + MIN, repeat) is None
    assert notification_due(state, T0 + repeat, repeat) == "repeat"
    acknowledged = AlertState(**{**vars(state), "acknowledged_at": T0 + MIN})
    assert notification_due(acknowledged, T0 + repeat, repeat) is None
    lower, _ = advance(state, "一般", T0 + 31 * MIN, TIMERS)
    assert notification_due(lower, T0 + 31 * MIN, repeat) == "deescalated"
    gone, _ = advance(notified(lower, T0 + 31 * MIN), None, T0 + 62 * MIN, TIMERS)
    assert gone.state == RESOLVED and notification_due(gone, T0 + 62 * MIN, repeat) == "resolved"
    assert notification_due(notified(gone, T0 + 62 * MIN), T0 + 63 * MIN, repeat) is None


def test_a_higher_level_or_the_brand_wide_alert_at_the_same_level_inhibits():
    assert inhibited_by("严重", "产品质量", [("重大", "全部")], "全部")
    assert inhibited_by("严重", "产品质量", [("严重", "全部")], "全部")
    assert not inhibited_by("严重", "全部", [("严重", "产品质量")], "全部")
    assert not inhibited_by("重大", "产品质量", [("严重", "全部")], "全部")


def test_routing_follows_the_categories_and_adds_leadership_at_major():
    settings = AlertSettings()
    assert departments_for(
        settings, scope="全部", level="严重", categories={"产品质量": 30, "交付物流": 2}
    ) == ["pr", "quality"]
    assert departments_for(
        settings, scope="全部", level="重大", categories={"服务态度": 5, "信息沟通": 5}
    ) == ["pr", "customer_service", "leadership"]
    assert departments_for(settings, scope="售后", level="一般", categories={}) == ["pr", "after_sales"]


def test_defaults_work_without_any_alerts_or_mail_section(write_settings):
    settings = load_settings(write_settings())
    rule = settings.alerts.level_rule("青禾", "重大")
    assert rule.pending == timedelta(0) and rule.thresholds["negative_volume_1h"] == 60
    assert settings.mail.host is None and settings.mail.mailbox_dir == "var/mailbox"


def test_brand_override_changes_one_threshold_and_can_switch_one_off(write_settings):
    path = write_settings(
        '\n[alerts.rules."一般"]\nconditions = { negative_volume_1h = 20 }\n'
        '[alerts.brands."星澜汽车".rules."重大"]\npending = "2m"\n'
        'conditions = { negative_volume_1h = 300, regions_6h = "off" }\n'
    )
    alerts = load_settings(path).alerts
    assert alerts.level_rule("青禾", "一般").thresholds["negative_volume_1h"] == 20
    assert "negative_volume_24h" in alerts.level_rule("青禾", "一般").thresholds
    star = alerts.level_rule("星澜汽车", "重大")
    assert star.thresholds["negative_volume_1h"] == 300 and "regions_6h" not in star.thresholds
    assert star.pending == timedelta(minutes=2)
    assert alerts.level_rule("青禾", "重大").thresholds["regions_6h"] == 10


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('\n[alerts.rules."重大"]\nconditions = { negativ_volume_1h = 5 }\n', "unknown indicator"),
        ('\n[alerts.rules."重大"]\nconditions = { negative_volume_2h = 5 }\n', "window '2h'"),
        ('\n[alerts]\nrepeat_intervall = "1h"\n', r"alerts\.repeat_intervall: unknown key"),
        ('\n[mail]\nsecurity = "tls"\n', r"mail\.security"),
    ],
)
def test_a_mistake_in_the_alert_settings_fails_at_start_up_naming_it(write_settings, extra, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(write_settings(extra))
