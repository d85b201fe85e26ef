"""``yuqing run --once`` as a user runs it: every enabled source crawled once in its own process, a dead one
recorded, a disabled one left alone, then alerts evaluated on what came in and their mail sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from alerts.models import Alert
from delivery.models import OutboxMessage
from demo.world import DemoPost
from storage.db import Database
from storage.models import Mention, Source
from tests.conftest import run_cli

NOW = datetime.now(UTC)
COMPLAINT = "青禾空气炸锅使用三天就冒烟，客服推诿"
PRAISE = "青禾电饭煲获得设计奖"
SETTINGS = """
[[sources]]
name = "news"
kind = "news"
spider = "feed"
urls = ["{base}/rss/news.xml"]

[[sources]]
name = "gone"
kind = "news"
spider = "feed"
urls = ["{base}/rss/gone.xml"]

[[sources]]
name = "portal"
kind = "news"
spider = "feed"
urls = ["{base}/rss/portal.xml"]
enabled = false

[alerts]
nodata_after = "0s"  # a source that failed its last crawl is a no-data alert at once

[alerts.rules."一般"]
conditions = {{ negative_volume_24h = 1 }}
pending = "0s"

[mail]
mailbox_dir = "{mailbox}"

[mail.departments]
pr = ["pr@qinghe.cn"]
operations = ["ops@qinghe.cn"]
"""


def post(site: str, post_id: str, title: str, text: str, hours_ago: float) -> DemoPost:
    return DemoPost(site=site, id=post_id, title=title, text=text, author="记者",
                    published_at=NOW - timedelta(hours=hours_ago))


@pytest.fixture
def world(demo_world):
    demo_world.add(
        post("news", "1", COMPLAINT, "消费者反映青禾空气炸锅冒烟，售后一直不处理，非常失望。", 2),
        post("news", "2", PRAISE, "青禾电饭煲设计出色，用户评价很好，非常满意。", 5),
        post("news", "3", "周末天气晴好", "适合出游，与任何品牌无关。", 1),
        post("portal", "7", "星澜汽车交付延迟，车主不满", "多位车主反映星澜汽车交付一再延迟，客服态度差。", 3),
    )
    return demo_world


def run_once(settings_path) -> str:
    done = run_cli("--settings", str(settings_path), "run", "--once", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr  # one source failing is not the whole run failing
    return done.stderr


def stored_state(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/yuqing.db")
    with db.session() as session:
        sources = {s.name: s for s in session.scalars(select(Source))}
        mentions = sorted((m.source.name, m.title, m.brand) for m in session.scalars(select(Mention)))
        alerts = {(a.kind, a.subject, a.scope): a for a in session.scalars(select(Alert))}
        outbox = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    db.dispose()
    return sources, mentions, alerts, outbox


def test_run_once_crawls_enabled_sources_records_the_dead_one_and_evaluates_alerts(
        world, demo_server, write_settings, tmp_path):
    settings_path = write_settings(SETTINGS.format(base=demo_server.url, mailbox=tmp_path / "mailbox"))
    progress = run_once(settings_path)
    assert "news: 3 items, 2 new, 0 updated, 1 not about a brand" in progress
    assert "failed  gone:" in progress and "portal" not in progress
    assert "error: gone: HTTP 404 at " in progress  # the reason is on screen, not only in the database

    sources, mentions, alerts, outbox = stored_state(tmp_path)
    assert mentions == [("news", PRAISE, "青禾"), ("news", COMPLAINT, "青禾")]
    news, gone = sources["news"], sources["gone"]
    assert news.last_success_at is not None and news.failures == 0 and news.items_last_run == 3
    assert gone.last_success_at is None and gone.failures == 1
    assert "HTTP 404" in gone.last_error and "/rss/gone.xml" in gone.last_error
    assert "portal" not in sources  # the disabled source never ran

    brand = alerts[("brand", "青禾", "全部")]
    assert (brand.state, brand.level) == ("firing", "一般")
    assert brand.evidence["figures"]["negative_volume_24h"] == 1
    assert alerts[("nodata", "gone", "")].state == "firing"
    assert ("nodata", "news", "") not in alerts
    assert {m.recipients[0] for m in outbox} == {"pr@qinghe.cn", "ops@qinghe.cn"}
    assert {m.state for m in outbox} == {"sent"}  # run --once delivers what the evaluation queued
    assert len(list((tmp_path / "mailbox").iterdir())) == len(outbox)

    run_once(settings_path)
    sources, again, alerts, outbox_again = stored_state(tmp_path)
    assert again == mentions  # the second crawl updates the same rows
    assert sources["gone"].failures == 2 and "portal" not in sources
    assert [m.id for m in outbox_again] == [m.id for m in outbox]  # still firing: nobody is told twice

    status = run_cli("--settings", str(settings_path), "status", env={"COLUMNS": "220"})
    assert status.returncode == 0, status.stderr
    sources_table = status.stdout.split("计划任务")[0]
    rows = {line.split("│")[1].strip(): line for line in sources_table.splitlines() if line.count("│") > 5}
    assert "正常" in rows["news"] and "连续失败 2 次" in rows["gone"] and "停用" in rows["portal"]
    assert "HTTP 404" in rows["gone"]
    assert "青禾" in status.stdout and "预警中" in status.stdout
    assert "发件箱：0 封待发" in status.stdout
