"""Each brand against its own normal: robust baselines, absolute floors, customer groups, and `alerts tune`."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime, timedelta

from alerts.baseline import normal_of
from alerts.indicators import measure
from alerts.rules import assess
from demo import synthetic
from tests.conftest import run_cli
from yuqing.config import Settings

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAY, HOUR, MIN = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)
PROVINCES = ("北京", "上海", "广东", "浙江", "江苏", "四川", "湖北", "山东", "河南", "福建", "湖南", "陕西")


def settings_for(database, **alerts) -> Settings:
    brands = [{"name": "全国品牌"}, {"name": "地方品牌"}, {"name": "新品牌"}]
    return Settings.model_validate({"storage": {"url": database.url}, "brands": brands, "alerts": alerts})


def complaints(brand: str, at: datetime, regions: tuple[str, ...], **values) -> list[dict]:
    """One negative mention from each region, a minute apart."""
    return [
        synthetic.mention(brand, at + i * MIN, label="negative", region=region, category="服务态度", **values)
        for i, region in enumerate(regions)
    ]


def test_the_normal_is_the_median_and_one_earlier_crisis_day_does_not_raise_it():
    calm = {day: 10.0 + day % 3 for day in range(1, 14)}
    normal = normal_of({**calm, 5: 400.0}, "条")
    assert normal.center == 11 and normal.spread < 4


def test_the_normal_of_a_busy_weekday_is_that_weekday():
    samples = {day: (30.0 if day % 7 == 0 else 10.0) for day in range(1, 29)}
    assert normal_of(samples, "条").center == 30


def test_a_spread_never_falls_below_the_chance_noise_of_a_count():
    assert normal_of({day: 9.0 for day in range(1, 8)}, "条").spread == 3


def test_ten_regions_in_six_hours_alarm_a_regional_brand_and_not_a_national_one(database):
    settings = settings_for(database)
    history = []
    for day in range(1, 15):
        moment = NOW - day * DAY - 3 * HOUR
        history += complaints("全国品牌", moment, PROVINCES[:11])
        history += complaints("地方品牌", moment, PROVINCES[:1])
    today = [complaints(brand, NOW - 3 * HOUR, PROVINCES[:11]) for brand in ("全国品牌", "地方品牌")]
    synthetic.store(database, [*history, *(m for rows in today for m in rows)])
    with database.session() as session:
        figures = measure(session, settings.alerts, NOW)
    national, regional = figures[("全国品牌", "全部")], figures[("地方品牌", "全部")]
    assert national.get("regions_6h") == regional.get("regions_6h") == 11
    assert national.normals["regions_6h"].center == 11 and regional.normals["regions_6h"].center == 1
    assert assess(settings.alerts, national).level is None
    found = assess(settings.alerts, regional)
    assert found.level == "重大"
    assert "6小时负面涉及地区 11 个 (阈值 10，平常 1)" in [f.describe_in(regional) for f in found.reasons]


def test_a_new_brand_is_held_to_the_absolute_thresholds_until_it_has_history(database):
    settings = settings_for(database, baseline_min_days=3)
    early = [m for day in (1, 2) for m in complaints("新品牌", NOW - day * DAY - 3 * HOUR, PROVINCES[:11])]
    synthetic.store(database, [*early, *complaints("新品牌", NOW - 3 * HOUR, PROVINCES[:11])])
    with database.session() as session:
        young = measure(session, settings.alerts, NOW)[("新品牌", "全部")]
    assert young.normals == {} and assess(settings.alerts, young).level == "重大"
    older = [m for day in (3, 4) for m in complaints("新品牌", NOW - day * DAY - 3 * HOUR, PROVINCES[:11])]
    synthetic.store(database, [*older, *complaints("新品牌", NOW + DAY - 3 * HOUR, PROVINCES[:11])])
    with database.session() as session:
        grown = measure(session, settings.alerts, NOW + DAY)[("新品牌", "全部")]
    assert grown.normals["regions_6h"].days == 4


def test_customer_groups_count_channels_authors_and_the_brands_own_product_lines(database):
    settings = settings_for(database, brands={"地方品牌": {"customer_groups": {"空气炸锅": ["空气炸锅"]}}})
    rows = [
        *complaints("地方品牌", NOW - HOUR, ("北京",), title="京东旗舰店买的空气炸锅坏了"),
        *complaints("地方品牌", NOW - HOUR, ("上海",), title="质量太差", is_media=True),
        *complaints("地方品牌", NOW - HOUR, ("广东",), title="质量太差", followers=500_000),
        *complaints("地方品牌", NOW - 10 * HOUR, ("广东",), title="VIP会员没人理"),
        *complaints("全国品牌", NOW - HOUR, ("北京",), title="京东旗舰店买的空气炸锅坏了"),
    ]
    synthetic.store(database, rows)
    with database.session() as session:
        figures = measure(session, settings.alerts, NOW)
    assert figures[("地方品牌", "全部")].get("customer_groups_6h") == 4  # 线上渠道, 空气炸锅, 媒体, 大V
    assert figures[("地方品牌", "全部")].get("customer_groups_24h") == 5  # and 会员
    assert figures[("全国品牌", "全部")].get("customer_groups_6h") == 1  # its product lines are not listed


def tune_settings(tmp_path, url: str, extra: str = ""):
    path = tmp_path / "settings.toml"
    path.write_text(
        f'timezone = "Asia/Shanghai"\n[storage]\nurl = "{url}"\n[alerts]\nbaseline_days = 7\n'
        f'[[brands]]\nname = "青禾"\n{extra}',
        encoding="utf-8",
    )
    return path


def bursts(now: datetime) -> list[dict]:
    """Fourteen days each with one burst of 11 to 17 complaints within an hour, at a different hour each day."""
    rows = []
    for day in range(1, 15):
        start = now - day * DAY + ((day * 5) % 24) * HOUR
        regions = PROVINCES[: 1 + day % 2]
        rows += [synthetic.mention("青禾", start + i * 2 * MIN, label="negative", region=regions[i % len(regions)],
                                   category="服务态度") for i in range(10 + day % 7 + 1)]  # fmt: skip
    return rows


def test_tune_proposes_thresholds_that_keep_to_the_budget_and_writes_them(sqlite_database, tmp_path):
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    synthetic.store(sqlite_database, bursts(now))
    path = tune_settings(tmp_path, sqlite_database.url)
    done = run_cli("--settings", str(path), "alerts", "tune", "青禾", "--days", "14", "--step", "20m")
    assert done.returncode == 0, done.stderr
    proposed = re.search(r"一般：最近 14 天会触发 14 次，预算 2 次，建议后 (\d) 次", done.stdout)
    assert proposed and int(proposed[1]) <= 2, done.stdout
    assert re.search(r"negative_volume_1h: 10 -> 1[1-8]\b", done.stdout)
    assert '[alerts.brands."青禾".rules."一般".conditions]' in done.stdout
    assert tomllib.loads(path.read_text(encoding="utf-8"))["alerts"].get("brands") is None  # printed only

    written = run_cli("--settings", str(path), "alerts", "tune", "青禾", "--days", "14", "--step", "20m", "--write")
    assert written.returncode == 0, written.stderr
    brand = tomllib.loads(path.read_text(encoding="utf-8"))["alerts"]["brands"]["青禾"]
    assert brand["rules"]["一般"]["conditions"]["negative_volume_1h"] > 10
    again = run_cli("--settings", str(path), "alerts", "tune", "青禾", "--days", "14", "--step", "20m")
    assert re.search(r"一般：最近 14 天会触发 [0-2] 次，预算 2 次，无需调整", again.stdout), again.stdout


def test_tune_refuses_to_write_over_a_brands_own_settings_and_loses_nothing(sqlite_database, tmp_path):
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    synthetic.store(sqlite_database, bursts(now))
    extra = '[alerts.brands."青禾".rules."严重".conditions]\nregions_6h = 8\n'
    path = tune_settings(tmp_path, sqlite_database.url, extra)
    before = path.read_text(encoding="utf-8")
    done = run_cli("--settings", str(path), "alerts", "tune", "青禾", "--days", "14", "--step", "20m", "--write")
    assert done.returncode == 1 and "merge the printed lines by hand" in done.stderr
    assert path.read_text(encoding="utf-8") == before
    unknown = run_cli("--settings", str(path), "alerts", "tune", "星澜", "--days", "14")
    assert unknown.returncode == 1 and "unknown brand '星澜'" in unknown.stderr
