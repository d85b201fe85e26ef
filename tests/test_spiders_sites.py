"""Each site spider against its demo site: real URL patterns, paging, encodings, incremental re-crawls, blocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crawler.sites.review.demo import SELECTORS
from demo.server import DemoServer
from demo.world import DemoPost
from storage.db import Database
from storage.models import Mention, Source
from tests.conftest import run_cli

NOW = datetime.now(UTC)


def post(site: str, post_id: str, text: str, hours_ago: float, **fields) -> DemoPost:
    return DemoPost(
        site=site,
        id=post_id,
        title=fields.pop("title", ""),
        text=text,
        author=fields.pop("author", "网友"),
        published_at=NOW - timedelta(hours=hours_ago),
        **fields,
    )


@pytest.fixture
def sites(demo_world):
    server = DemoServer(demo_world)
    with server:
        yield server


def source(name: str, spider: str, kind: str, base: str, **keys) -> str:
    lines = [
        f'name = "{name}"',
        f'kind = "{kind}"',
        f'spider = "{spider}"',
        f'base_url = "{base}"',
        "delay = 0",
    ]
    for key, value in keys.items():
        if isinstance(value, dict):
            continue
        lines.append(f"{key} = {value!r}".replace("'", '"'))
    text = "\n[[sources]]\n" + "\n".join(lines) + "\n"
    for key, value in keys.items():
        if isinstance(value, dict):
            text += f"[sources.{key}]\n" + "".join(f'{k} = "{v}"\n' for k, v in value.items())
    return text


def crawl(settings_path, name: str) -> str:
    done = run_cli("--settings", str(settings_path), "crawl", name)
    assert done.returncode in (0, 3), done.stdout + done.stderr
    return done.stdout + done.stderr


def stored(tmp_path, source_name: str) -> dict[str, Mention]:
    database = Database(f"sqlite:///{tmp_path}/yuqing.db")
    with database.session() as session:
        rows = session.scalars(select(Mention).join(Source).where(Source.name == source_name)).all()
        result = {row.external_id: row for row in rows}
        for row in rows:
            session.expunge(row)
    database.dispose()
    return result


def source_row(tmp_path, name: str) -> Source:
    database = Database(f"sqlite:///{tmp_path}/yuqing.db")
    with database.session() as session:
        row = session.scalar(select(Source).where(Source.name == name))
        session.expunge(row)
    database.dispose()
    return row


def test_weibo_pages_until_nothing_new_and_fetches_long_posts(demo_world, sites, write_settings, tmp_path):
    demo_world.add(
        *[
            post(
                "weibo",
                f"52000000{i:04d}",
                f"青禾空气炸锅第{i}次冒烟，客服不理人",
                i,
                region="北京",
                followers=71_648_000 if i == 0 else 120,
                verified_type=3 if i == 1 else -1,
                reposts=i,
            )
            for i in range(23)
        ]
    )
    demo_world.add(post("weibo", "5200000099", "青禾电饭煲" + "内胆涂层一块块掉，" * 20 + "结尾在这里", 30))
    settings = write_settings(source("wb", "weibo", "social", sites.url, max_pages=5))
    out = crawl(settings, "wb")
    assert "wb: 24 items, 24 new" in out
    rows = stored(tmp_path, "wb")
    assert rows["520000000000"].author_followers == 71_648_000
    assert rows["520000000001"].is_media is True
    assert rows["5200000099"].text.endswith("结尾在这里")  # completed from /detail/{id}
    assert sum("q=青禾&" in r for r in sites.requests) == 4  # 10 + 10 + 4, then an empty page

    sites.requests.clear()
    demo_world.add(post("weibo", "5200000100", "青禾客服终于回复了", 0.1))
    out = crawl(settings, "wb")
    assert "1 new" in out
    assert sum("q=青禾&" in r for r in sites.requests) == 2  # page 1 had news, page 2 had none: stop


def test_weibo_rate_limit_marks_the_source_blocked(demo_world, sites, write_settings, tmp_path):
    demo_world.add(post("weibo", "5200000001", "青禾", 1))
    demo_world.blocked["weibo"] = "418"
    out = crawl(write_settings(source("wb", "weibo", "social", sites.url)), "wb")
    assert "418" in out
    row = source_row(tmp_path, "wb")
    assert "418" in row.blocked_reason and row.blocked_until is not None


def test_tieba_forum_threads_with_regions_and_replies(demo_world, sites, write_settings, tmp_path):
    demo_world.add(
        post(
            "tieba",
            "9300000002",
            "青禾空气炸锅用了一周，噪音很大",
            5,
            title="青禾空气炸锅一周体验",
            region="广东",
            extra={"forum": "青禾"},
        ),
        post(
            "tieba",
            "151000000102",
            "我的青禾也是，加热管坏了",
            2,
            title="青禾空气炸锅一周体验",
            region="四川",
            extra={"thread": "9300000002"},
        ),
        post(
            "tieba", "9300000003", "青禾电饭煲很久以前的帖子", 24 * 30, title="旧帖", extra={"forum": "青禾"}
        ),
    )
    settings = write_settings(source("tb", "tieba", "forum", sites.url, forums=["青禾"]))
    crawl(settings, "tb")
    rows = stored(tmp_path, "tb")
    assert set(rows) == {"93000000020", "151000000102"}
    assert rows["151000000102"].region == "四川" or rows["151000000102"].region is None
    assert not any(r.startswith("/p/9300000003") for r in sites.requests)  # quiet thread not fetched


def test_tieba_keyword_search_reads_the_gbk_page(demo_world, sites, write_settings, tmp_path):
    demo_world.add(post("tieba", "9300000077", "求推荐破壁机，青禾的怎么样", 3, title="求推荐破壁机"))
    crawl(write_settings(source("tbs", "tieba", "forum", sites.url)), "tbs")
    [row] = stored(tmp_path, "tbs").values()
    assert row.text == "求推荐破壁机，青禾的怎么样"


def test_heimao_complaints_get_detail_text_and_status(demo_world, sites, write_settings, tmp_path):
    long_text = "青禾空气炸锅使用一周冒烟，" + "客服一直推诿不给退款，" * 10
    demo_world.add(
        post(
            "heimao",
            "17390000001",
            long_text,
            4,
            title="青禾空气炸锅冒烟拒绝退款",
            extra={"company": "青禾电器", "status": 4},
        )
    )
    crawl(write_settings(source("hm", "heimao", "complaint", sites.url)), "hm")
    row = stored(tmp_path, "hm")["17390000001"]
    assert row.text == long_text.rstrip()  # the list summary is cut at 80 characters; the detail is whole
    assert row.extra["status"] == "处理中" and row.extra["company"] == "青禾电器"


def test_discuz_gbk_board_threads_and_relative_dates(demo_world, sites, write_settings, tmp_path):
    demo_world.add(
        post("discuz", "4321", "青禾破壁机低速72分贝", 20, title="青禾破壁机噪音测试", extra={"fid": "36"}),
        post("discuz", "98002", "同感，青禾那台也吵", 1, title="", extra={"thread": "4321"}),
    )
    crawl(write_settings(source("dz", "discuz", "forum", sites.url, forums=["36"])), "dz")
    rows = stored(tmp_path, "dz")
    assert set(rows) == {"t4321", "p98002"}
    expected = (NOW - timedelta(hours=20)).replace(microsecond=0)
    assert abs(rows["t4321"].published_at.replace(tzinfo=UTC) - expected) <= timedelta(seconds=1)


def test_discuz_permission_page_blocks_the_source(demo_world, sites, write_settings, tmp_path):
    demo_world.blocked["discuz"] = "permission"
    crawl(write_settings(source("dz", "discuz", "forum", sites.url, forums=["36"])), "dz")
    assert "没有权限" in source_row(tmp_path, "dz").blocked_reason


def test_dianping_reviews_keep_obfuscation_marked(demo_world, sites, write_settings, tmp_path):
    demo_world.add(
        post(
            "dianping",
            "700000003",
            "青禾电饭煲第二天就开不了机",
            3,
            rating=1.0,
            likes=5,
            extra={"obfuscate": "开"},
        )
    )
    crawl(write_settings(source("dp", "dianping", "review", sites.url, forums=["k3mz5QpZ"])), "dp")
    row = stored(tmp_path, "dp")["700000003"]
    assert row.text == "青禾电饭煲第二天就□不了机"
    assert row.rating == 1.0 and row.extra["obfuscated_chars"] == 1


def test_zhihu_and_review_sites(demo_world, sites, write_settings, tmp_path):
    demo_world.add(
        post("zhihu", "3100000001", "说说青禾空气炸锅的真实体验", 6, title="青禾空气炸锅值得买吗"),
        *[
            post("review", f"r{i}", f"青禾空气炸锅评价{i}", i + 1, title=f"评价{i}", rating=2)
            for i in range(12)
        ],
    )
    settings = write_settings(
        source("zh", "zhihu", "social", sites.url)
        + source(
            "kb", "review", "review", sites.url, urls=[f"{sites.url}/koubei/qinghe"], selectors=SELECTORS
        )
    )
    crawl(settings, "zh")
    crawl(settings, "kb")
    assert list(stored(tmp_path, "zh")) == ["answer-3100000001"]
    reviews = stored(tmp_path, "kb")
    assert len(reviews) == 12 and {r.rating for r in reviews.values()} == {2.0}
