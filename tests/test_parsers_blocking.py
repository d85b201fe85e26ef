import pytest

from crawler.blocking import detect_block
from crawler.sites import blocking_rule
from tests.fixtures.sites import fixture

WEIBO_API = "https://m.weibo.cn/api/container/getIndex?containerid=100103type%3D1%26q%3Dx&page=1"


def detect(site: str, status: int, headers: dict, body: bytes, url: str) -> str | None:
    """What the crawl's middleware asks: the site's registered rule (crawler/sites/<site>/blocking.py), then the
    generic ones."""
    return detect_block(blocking_rule(site), status, headers, body, url)


@pytest.mark.parametrize(
    ("site", "status", "headers", "body", "url", "expected"),
    [
        ("weibo", 418, {}, b"", WEIBO_API, "418"),
        ("weibo", 432, {}, b"", WEIBO_API, "432"),
        ("weibo", 200, {}, fixture("weibo/search_login_required.json"), WEIBO_API, "ok:-100"),
        ("weibo", 200, {}, fixture("weibo/search_captcha.html"), WEIBO_API, "HTML"),
        ("weibo", 302, {"Location": "https://passport.weibo.com/sso/signin?x=1"}, b"", WEIBO_API, "login"),
        (
            "tieba",
            302,
            {"location": "https://wappass.baidu.com/static/captcha/tuxing.html?ak=1"},
            b"",
            "https://tieba.baidu.com/f?kw=x",
            "wappass",
        ),
        (
            "tieba",
            403,
            {},
            fixture("tieba/security_check.html"),
            "https://tieba.baidu.com/f/search/res",
            "百度安全验证",
        ),
        ("heimao", 456, {}, b"", "https://tousu.sina.com.cn/api/index/s", "456"),
        (
            "heimao",
            200,
            {},
            fixture("heimao/login_required.json"),
            "https://tousu.sina.com.cn/api/index/s",
            "10017",
        ),
        (
            "discuz",
            200,
            {},
            fixture("discuz/no_permission.html"),
            "https://bbs.example.cn/forum.php",
            "permission",
        ),
        (
            "discuz",
            200,
            {},
            fixture("discuz/js_challenge.html"),
            "https://bbs.example.cn/forum.php",
            "JavaScript",
        ),
        (
            "zhihu",
            403,
            {},
            fixture("zhihu/need_login.json"),
            "https://www.zhihu.com/api/v4/search_v3",
            "40352",
        ),
        ("zhihu", 401, {}, b"{}", "https://www.zhihu.com/api/v4/search_v3", "401"),
        ("dianping", 200, {}, fixture("dianping/verify.html"), "https://www.dianping.com/shop/1", "验证中心"),
        ("review", 429, {}, b"", "https://koubei.example.cn/", "429"),
    ],
)
def test_each_sites_blocking_answers_are_recognised(site, status, headers, body, url, expected):
    reason = detect(site, status, headers, body, url)
    assert reason is not None and expected in reason


@pytest.mark.parametrize(
    ("site", "path", "url"),
    [
        ("weibo", "weibo/search_page1.json", WEIBO_API),
        ("weibo", "weibo/search_empty.json", WEIBO_API),
        ("weibo", "weibo/detail_long_text.html", "https://m.weibo.cn/detail/5201314000000001"),
        ("tieba", "tieba/forum_list.html", "https://tieba.baidu.com/f?kw=x"),
        ("tieba", "tieba/search.html", "https://tieba.baidu.com/f/search/res"),
        ("heimao", "heimao/search.json", "https://tousu.sina.com.cn/api/index/s"),
        ("discuz", "discuz/forumdisplay.html", "https://bbs.example.cn/forum.php"),
        ("zhihu", "zhihu/search_v3.json", "https://www.zhihu.com/api/v4/search_v3"),
        ("dianping", "dianping/shop.html", "https://www.dianping.com/shop/1"),
    ],
)
def test_normal_pages_are_not_blocks(site, path, url):
    assert detect(site, 200, {"Content-Type": "text/html"}, fixture(path), url) is None


def test_block_phrases_are_found_in_gbk_pages_too():
    body = "<p>抱歉，您没有权限访问该版块</p>".encode("gbk")
    assert detect("discuz", 200, {}, body, "https://bbs.example.cn/forum.php") is not None


def test_only_the_head_of_a_huge_body_is_read():
    body = b"<html>" + b" " * (30 * 1024 * 1024) + "百度安全验证".encode()
    assert detect("tieba", 200, {}, body, "https://tieba.baidu.com/f") is None
