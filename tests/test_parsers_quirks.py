"""Every parser against the quirks of real responses: the same page, damaged the way real pages are, reads the same.

Each quirk is one we met in a real saved response (tests/fixtures/REAL_PAGES.md names the page); here it is applied
to our own fixtures, so a parser that reads a clean page and fails on its quirky twin is caught.
"""

from __future__ import annotations

import codecs
import re

import pytest

from crawler.parsers import ParseError
from crawler.sites import parsers
from tests.fixtures.sites import NOW, SHANGHAI, fixture, run_parser
from tests.test_parsers_review import SELECTORS as REVIEW_SELECTORS

PARSERS = parsers()

# (parser, fixture in UTF-8, url, extra keyword arguments)
HTML_PAGES = [
    ("tieba-list", "tieba/forum_list.html", "https://tieba.baidu.com/f?kw=x", {}),
    ("tieba-list", "tieba/forum_bigpipe.html", "https://tieba.baidu.com/f?kw=x", {}),
    ("tieba-thread", "tieba/thread.html", "https://tieba.baidu.com/p/9300000002", {}),
    ("tieba-thread", "tieba/thread_image_expander.html", "https://tieba.baidu.com/p/9400000002", {}),
    ("tieba-search", "tieba/search.utf8.html", "https://tieba.baidu.com/f/search/res?qw=x", {}),
    ("heimao-detail", "heimao/detail.html", "https://tousu.sina.com.cn/complaint/view/17354000001/", {}),
    ("discuz-list", "discuz/forumdisplay.utf8.html", "https://bbs.example.cn/forum.php?mod=forumdisplay&fid=36", {}),
    ("discuz-thread", "discuz/viewthread.utf8.html", "https://bbs.example.cn/forum.php?mod=viewthread&tid=1", {}),
    ("dianping", "dianping/shop.html", "https://www.dianping.com/shop/k3mz5QpZezLxDWIB", {}),
    ("dianping", "dianping/review_all.html", "https://www.dianping.com/shop/k3mz5QpZezLxDWIB/review_all/p1", {}),
    ("review", "review/reviews.html", "https://koubei.example.cn/p/1", {"selectors": REVIEW_SELECTORS}),
    ("weibo-detail", "weibo/detail_long_text.html", "https://m.weibo.cn/detail/5300000000000001", {}),
]
_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.I)
_META_CHARSET = re.compile(r"<meta\b[^>]*charset[^>]*>", re.I)
_CHARSET = re.compile(r"(charset\s*=\s*[\"']?)[\w-]+", re.I)


def _after_body(text: str, insert: str) -> str:
    match = _BODY_OPEN.search(text)
    assert match, "fixture has no <body>"
    return text[: match.end()] + insert + text[match.end():]


def _declared(text: str, charset: str) -> str:
    if _CHARSET.search(text):
        return _CHARSET.sub(lambda m: m.group(1) + charset, text, count=1)
    return text.replace("<head>", f'<head><meta charset="{charset}">', 1)


def _undeclared(text: str) -> str:
    return _META_CHARSET.sub("", text)


QUIRKS = {
    # Tieba's forum page: the document closes early and the Bigpipe pagelets follow after </html>.
    "content_after_closing_html": lambda t: _after_body(t, "</body></html>").encode("utf-8"),
    # Templates that include a whole page inside another.
    "nested_html_and_body": lambda t: _after_body(t, '<html lang="zh-CN"><body class="inner">').encode("utf-8"),
    "utf8_bom": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf8_bom_declaring_gbk": lambda t: codecs.BOM_UTF8 + _declared(t, "gbk").encode("utf-8"),
    "gbk_declaring_utf8": lambda t: _declared(t, "utf-8").encode("gb18030"),
    "gbk_declaring_latin1": lambda t: _declared(t, "iso-8859-1").encode("gb18030"),
    "gbk_undeclared": lambda t: _undeclared(t).encode("gb18030"),
    "utf8_declaring_gbk": lambda t: _declared(t, "gbk").encode("utf-8"),
    "gb2312_declared_with_gb18030_only_characters": lambda t: _declared(t, "gb2312").encode("gb18030"),
}


def _read(name: str, path: str, url: str, body: bytes, kwargs: dict) -> list[dict]:
    return [item.to_json() for item in PARSERS[name](body, url, now=NOW, tz=SHANGHAI, **kwargs)]


@pytest.mark.parametrize("quirk", sorted(QUIRKS))
@pytest.mark.parametrize(("name", "path", "url", "kwargs"), HTML_PAGES, ids=[f"{p[0]}:{p[1]}" for p in HTML_PAGES])
def test_quirky_twin_of_a_page_reads_exactly_like_the_clean_page(name, path, url, kwargs, quirk):
    clean = _read(name, path, url, fixture(path), kwargs)
    assert clean, f"{path} yields nothing even when clean"
    twin = QUIRKS[quirk](fixture(path).decode("utf-8"))
    assert _read(name, path, url, twin, kwargs) == clean


@pytest.mark.parametrize(("name", "path", "url", "kwargs"), HTML_PAGES, ids=[f"{p[0]}:{p[1]}" for p in HTML_PAGES])
@pytest.mark.parametrize("keep", [0.35, 0.6, 0.85])
def test_truncated_page_yields_a_subset_of_its_items_or_a_parse_error(name, path, url, kwargs, keep):
    body = fixture(path)
    full = {item["external_id"]: item for item in _read(name, path, url, body, kwargs)}
    try:
        partial = _read(name, path, url, body[: int(len(body) * keep)], kwargs)
    except ParseError:
        return
    for item in partial:
        assert item["external_id"] in full
        assert full[item["external_id"]]["text"].startswith(item["text"][:10])


def test_tieba_forum_page_with_bigpipe_pagelets_after_closing_html_yields_every_thread():
    threads = run_parser("tieba-list", "tieba/forum_bigpipe.html", "https://tieba.baidu.com/f?kw=x")
    assert [t.extra["tid"] for t in threads] == ["9400000001", "9400000002", "9400000003", "9400000004"]
    assert threads[1].title == "青禾空气炸锅冒烟起火，吓死了"
    assert threads[1].comments == 88 and threads[1].extra["forum"] == "青禾"


def test_forum_page_cut_off_inside_the_pagelet_comment_keeps_the_threads_before_the_cut():
    body = fixture("tieba/forum_bigpipe.html")
    cut = body[: body.index(b"9400000004")]
    threads = PARSERS["tieba-list"](cut, "https://tieba.baidu.com/f?kw=x", now=NOW, tz=SHANGHAI)
    assert [t.extra["tid"] for t in threads][:3] == ["9400000001", "9400000002", "9400000003"]


def test_image_expander_caption_and_share_bar_never_become_post_text():
    first, second = run_parser("tieba-thread", "tieba/thread_image_expander.html", "https://tieba.baidu.com/p/94")
    assert first.text == "刚放进去鸡翅五分钟就冒黑烟，插头都烫手了。\n客服说是正常现象？"
    assert second.text == "同款，我的也冒过一次烟，换了新的。"
    assert first.region == "浙江" and second.extra["floor"] == 2


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("青禾电饭煲又坏了，客服不理人...展开全文c", "青禾电饭煲又坏了，客服不理人"),
        ("青禾电饭煲又坏了<br>...全文", "青禾电饭煲又坏了"),
        ('<p>炸锅冒烟</p><div class="share">分享到：微博 微信 QQ空间</div>', "炸锅冒烟"),
        ("<p>收起全文d</p><p>退货被拒</p>", "退货被拒"),
        # The words themselves are never touched, even when they mention the same things.
        ("我点击展开了说明书，全文都没写清楚", "我点击展开了说明书，全文都没写清楚"),
    ],
)
def test_site_chrome_is_stripped_and_the_authors_words_are_kept(html, expected):
    from crawler.parsers.common import html_to_text

    assert html_to_text(html) == expected


@pytest.mark.parametrize("quirk", ["utf8_bom", "gbk_undeclared", "gbk_declaring_utf8"])
def test_feed_reads_the_same_through_encoding_quirks(quirk):
    path, url = "feed/portal.utf8.xml", "http://news.example.cn/rss.xml"
    clean = _read("feed", path, url, fixture(path), {})
    text = fixture(path).decode("utf-8")
    if quirk == "gbk_undeclared":
        twin = re.sub(r"\s+encoding=\"[^\"]+\"", "", text).encode("gb18030")
    elif quirk == "gbk_declaring_utf8":
        twin = re.sub(r"encoding=\"[^\"]+\"", 'encoding="utf-8"', text).encode("gb18030")
    else:
        twin = codecs.BOM_UTF8 + text.encode("utf-8")
    assert clean and _read("feed", path, url, twin, {}) == clean


JSON_PAGES = [
    ("weibo-search", "weibo/search_page1.json", "https://m.weibo.cn/api/container/getIndex?page=1"),
    ("heimao", "heimao/search.json", "https://tousu.sina.com.cn/api/index/s?keywords=x&page=1"),
    ("heimao", "heimao/jsonp.js", "https://tousu.sina.com.cn/api/index/s?keywords=x&page=1&callback=cb"),
    ("zhihu", "zhihu/search_v3.json", "https://www.zhihu.com/api/v4/search_v3?q=x"),
]


@pytest.mark.parametrize(("name", "path", "url"), JSON_PAGES, ids=[p[1] for p in JSON_PAGES])
def test_json_answer_with_a_bom_reads_the_same_and_a_truncated_one_is_a_parse_error(name, path, url):
    body = fixture(path)
    clean = _read(name, path, url, body, {})
    assert clean and _read(name, path, url, codecs.BOM_UTF8 + body, {}) == clean
    with pytest.raises(ParseError, match="invalid or truncated JSON"):
        PARSERS[name](body[: len(body) * 2 // 3], url, now=NOW, tz=SHANGHAI)
