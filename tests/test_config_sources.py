"""A source that could only fail when its crawl starts fails when the settings load, naming the key."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli
from yuqing.config import SettingsError, load_settings


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('spider = "weiboo"', "sources[0]: spider: unknown spider 'weiboo' (known: dianping, discuz, feed"),
        ('spider = "feed"', "sources[0]: urls: the feed spider needs urls"),
        ('spider = "discuz"\nbase_url = "https://bbs.example.cn"', "sources[0]: forums: the discuz spider needs"),
        ('spider = "review"\nurls = ["https://k.example.cn/p/1"]', "sources[0]: selectors: the review spider needs"),
        ('spider = "review"\nurls = ["https://k.example.cn/p/1"]\n[sources.selectors]\nitem = "li["',
         "is not valid CSS"),
        ('spider = "review"\nurls = ["https://k.example.cn/p/1"]\n[sources.selectors]\nitem = "li"\ncolour = "b"',
         "unknown selector 'colour'"),
        ('spider = "feed"\nurls = ["news.example.cn/rss.xml"]', "'news.example.cn/rss.xml' is not an http(s) address"),
        ('spider = "weibo"\nbase_url = "file:///etc/passwd"', "is not an http(s) address"),
        ('spider = "weibo"\nname = "../../etc/x"', "sources[0].name"),
    ],
)
def test_a_source_that_would_fail_at_crawl_time_fails_at_load_with_the_key(write_settings, source, message):
    body = source if "name =" in source else f'name = "s1"\n{source}'
    path = write_settings(f'\n[[sources]]\nkind = "social"\n{body}\n')
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert message in str(caught.value)


def test_typo_in_a_spider_name_is_one_line_and_exit_2_not_a_traceback(write_settings):
    path = write_settings('\n[[sources]]\nname = "w"\nkind = "social"\nspider = "weiboo"\n')
    done = run_cli("--settings", str(path), "crawl", "w")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [f"yuqing: {path}: sources[0]: spider: unknown spider 'weiboo' "
                                                "(known: dianping, discuz, feed, heimao, review, tieba, weibo, zhihu)"]


def test_every_registered_site_has_its_spider_parsers_blocking_rule_and_demo_renderer():
    from crawler.sites import verify, verify_demo

    verify()
    verify_demo()


def test_a_registered_site_without_its_folder_fails_at_start_up_naming_the_piece(monkeypatch):
    from crawler import sites
    from crawler.sites import RegistryError, Site

    monkeypatch.setitem(sites.SITES, "nowhere", Site("nowhere"))
    with pytest.raises(RegistryError, match=r"site 'nowhere': crawler\.sites\.nowhere\.spider cannot be loaded"):
        sites.verify()
    with pytest.raises(RegistryError, match=r"site 'nowhere': crawler\.sites\.nowhere\.demo cannot be loaded"):
        sites.verify_demo()


def test_a_site_reusing_another_sites_parser_names_or_site_fails_at_start_up(monkeypatch):
    import sys
    import types

    from crawler import sites
    from crawler.sites import RegistryError, Site
    from crawler.sites.weibo.parser import PARSERS
    from crawler.sites.weibo.spider import WeiboSpider

    spider, parser = types.ModuleType("crawler.sites.copy.spider"), types.ModuleType("crawler.sites.copy.parser")
    parser.PARSERS = dict(PARSERS)
    spider.CopySpider = type("CopySpider", (WeiboSpider,), {"site": "copy", "parsers": parser.PARSERS,
                                                            "__module__": spider.__name__})
    monkeypatch.setitem(sys.modules, spider.__name__, spider)
    monkeypatch.setitem(sys.modules, parser.__name__, parser)
    monkeypatch.setitem(sites.SITES, "copy", Site("copy"))
    with pytest.raises(RegistryError, match="site 'copy': parser name 'weibo-search' is taken by 'weibo'"):
        sites.verify()
    monkeypatch.setattr(spider.CopySpider, "site", "weibo")
    with pytest.raises(RegistryError, match="site 'copy': CopySpider.site is 'weibo'"):
        sites.verify()
