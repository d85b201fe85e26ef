"""Keyword fan-out: many brands searched in a bounded number of requests per run, every brand covered per cycle."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from crawler.fanout import coverage, search_plan
from tests.conftest import run_cli
from yuqing.config import Settings

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def settings_with(brands: int, **source) -> Settings:
    return Settings.model_validate({
        "brands": [{"name": f"品牌{n:03d}", "aliases": [f"Brand{n:03d}"]} for n in range(brands)],
        "sources": [{"name": "weibo", "kind": "social", "spider": "weibo", "interval": "30m", **source}],
    })


def runs(plan, count: int) -> list[list[str]]:
    return [plan.queries(T0 + timedelta(minutes=30 * n)) for n in range(count)]


def test_500_brands_are_searched_within_the_budget_and_each_term_once_per_cycle():
    settings = settings_with(500, searches_per_run=60)
    plan = search_plan(settings.sources[0], settings.brands)

    assert plan.cycle == 17  # 1,000 names and aliases, 60 a run
    sent = runs(plan, plan.cycle)
    assert max(len(queries) for queries in sent) == 60
    searched = Counter(query for queries in sent for query in queries)
    assert set(searched) == {word for brand in settings.brands for word in brand.keywords}
    assert set(searched.values()) == {1}
    # The next cycle starts over with the same windows: rotation needs no state, only the clock.
    assert runs(plan, 2 * plan.cycle)[plan.cycle:] == sent


def test_where_the_site_takes_alternatives_terms_are_combined_into_fewer_searches():
    settings = settings_with(500, searches_per_run=60, combine_with=" | ", terms_per_search=10)
    plan = search_plan(settings.sources[0], settings.brands)

    assert len(plan.searches) == 100 and plan.cycle == 2
    first = plan.queries(T0)
    assert len(first) == 60
    assert first[0] == " | ".join(["品牌000", "Brand000", "品牌001", "Brand001", "品牌002", "Brand002", "品牌003",
                                   "Brand003", "品牌004", "Brand004"])
    terms = {term for queries in runs(plan, 2) for query in queries for term in query.split(" | ")}
    assert len(terms) == 1000


def test_without_a_budget_every_keyword_is_searched_every_run_as_before():
    settings = settings_with(3)
    plan = search_plan(settings.sources[0], settings.brands)

    assert runs(plan, 2) == [["品牌000", "Brand000", "品牌001", "Brand001", "品牌002", "Brand002"]] * 2


def test_coverage_says_when_each_brand_was_last_due():
    settings = settings_with(10, searches_per_run=4)  # 20 terms: 5 runs a cycle, 2 brands a run
    source = settings.sources[0]
    plan = search_plan(source, settings.brands)
    moment = T0 + timedelta(minutes=7)
    window = plan.window_index(moment)
    due = coverage(source, settings.brands, moment)

    slot_start = T0.replace(minute=0)
    current = {f"品牌{n:03d}" for n in (2 * window, 2 * window + 1)}
    for name, when in due.items():
        if name in current:
            assert when == slot_start
        else:
            assert slot_start - timedelta(minutes=30 * 4) <= when < slot_start


def test_a_spider_sends_only_this_runs_window_of_searches():
    from crawler.sites.heimao.spider import HeimaoSpider

    settings = settings_with(200, searches_per_run=25)
    spider = HeimaoSpider(settings.sources[0], settings)
    requests = list(spider.start_requests())

    assert len(requests) == 25
    assert all("/api/index/s?keywords=" in request.url for request in requests)


def test_yuqing_sources_shows_each_brands_coverage(write_settings):
    brands = "".join(f'\n[[brands]]\nname = "品牌{n}"\n' for n in range(6))
    path = write_settings(brands + '\n[[sources]]\nname = "hm"\nkind = "complaint"\nspider = "heimao"\n'
                          'searches_per_run = 3\ninterval = "1h"\n')
    done = run_cli("--settings", str(path), "sources")

    assert done.returncode == 0, done.stderr
    assert "品牌搜索覆盖" in done.stdout
    assert "hm：10 次搜索，每次运行 3 次，4 次运行（4:00:00）覆盖全部品牌" in done.stdout
    assert "品牌5" in done.stdout
