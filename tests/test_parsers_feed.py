from datetime import datetime

import pytest

from crawler.parsers import ParseError
from tests.fixtures.sites import SHANGHAI, fixture, run_parser


def test_gb2312_declared_rss_with_gbk_only_characters_decodes():
    body = fixture("feed/portal.xml")
    assert body.startswith(b'<?xml version="1.0" encoding="gb2312"?>')
    items = run_parser("feed", "feed/portal.xml", "http://news.example.cn/rss.xml")
    assert [i.title for i in items][:2] == ["青禾回应空气炸锅冒烟：已启动排查", "镕铻：星澜汽车发布新车"]


def test_rss_dates_sloppy_rfc3339_and_rfc822():
    sloppy, iso, rfc822 = run_parser("feed", "feed/portal.xml", "http://news.example.cn/rss.xml")
    assert sloppy.published_at == datetime(2018, 9, 18, 14, 38, 10, tzinfo=SHANGHAI)  # zoneless = local time
    assert iso.published_at == datetime(2018, 9, 19, 13, 11, 22, tzinfo=SHANGHAI)
    assert rfc822.published_at == datetime(2018, 9, 20, 8, 0, tzinfo=SHANGHAI)


def test_rss_summaries_are_plain_text_authors_and_links_resolved():
    sloppy, iso, rfc822 = run_parser("feed", "feed/portal.xml", "http://news.example.cn/rss.xml")
    assert sloppy.text == "针对网友反映的空气炸锅冒烟问题，青禾表示已启动批次排查。"
    assert iso.text == "星澜汽车今日发布新款车型。"
    assert (sloppy.author, iso.author) == ("王记者", "李编辑")
    assert sloppy.external_id == "qt-20180918-001"
    assert rfc822.url == rfc822.external_id == "http://news.example.cn/a/20180920/003.htm"
    assert sloppy.extra == {"channel": "钱塘财经-家电频道", "categories": ["家电"]}


def test_atom_entries_use_published_and_html_content():
    [entry] = run_parser("feed", "feed/atom.xml", "https://blog.example.org/atom.xml")
    assert entry.title == "青禾电饭煲 拆解"
    assert entry.text == "内胆厚度 2mm，\n加热盘做工扎实。"
    assert entry.url == "https://blog.example.org/2026/11/teardown"
    assert entry.published_at == datetime(2026, 11, 22, 0, 54, 50, tzinfo=SHANGHAI)
    assert entry.author == "拆机老陈"


def test_an_html_page_is_not_a_feed():
    with pytest.raises(ParseError, match="not an RSS or Atom feed"):
        run_parser("feed", "feed/not_a_feed.html", "http://news.example.cn/rss.xml")
