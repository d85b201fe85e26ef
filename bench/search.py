"""Search benchmark: indexed search against a substring scan of the same rows, on SQLite.

    .venv/bin/python -m bench.search [--rows 1000000] [--repeats 7] [--rebuild]

Generates a corpus of Chinese mentions once (words drawn by frequency from jieba's dictionary, brand and
complaint words mixed in as in real posts) and caches it under ``var/bench/``; then runs each query of
:func:`queries` through :func:`search.service.search` (a page of 20) with the index and as a substring
scan of the same rows, and prints p50 and p95 latencies. Goal: p95 <= 100 ms, >= 100x faster than the scan.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jieba

from search import index
from search.service import SearchRequest, search
from storage.db import Database

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "bench"
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SEED = 20261125

BRANDS = ("青禾", "星澜汽车", "小米", "华为", "海尔", "美的", "格力", "蔚来")
ISSUES = ("内胆脱落", "刹车失灵", "退款", "投诉", "客服", "售后", "质量问题", "漏水", "异响", "发货慢",
          "虚假宣传", "电池鼓包", "屏幕碎裂", "续航缩水", "维修", "召回")
LATIN = ("SU7", "iPhone", "App", "5G", "OTA", "APP", "VIP")
SOURCES = (("weibo", "social"), ("tieba", "forum"), ("heimao", "complaint"), ("dianping", "review"),
           ("sina-news", "news"), ("douyin", "social"), ("zhihu", "forum"), ("12315", "complaint"))
LABELS = ("negative", "neutral", "positive")
CATEGORIES = ("产品质量", "服务态度", "交付物流", "售后", "信息沟通", None)
GRADES = ("一般", "一般", "一般", "严重", "重大")
REGIONS = ("广东", "北京", "上海", "浙江", "江苏", "四川", "湖北", None)
PUNCTUATION = "，，。。！？、 "

QUERIES = (
    ("brand word, very common", "青禾"),
    ("two-character word", "退款"),
    ("four-character word", "刹车失灵"),
    ("single character", "鼓"),
    ("two words", "内胆 脱落"),
    ("exact phrase", '"内胆脱落，"'),
    ("OR", "漏水 OR 异响"),
    ("exclusion", "售后 -客服"),
    ("filters", "客服 brand:青禾 sentiment:neg kind:complaint"),
    ("recent only", "召回 since:7d"),
    ("Latin, any case", "su7"),
    ("two rare-ish words", "鼓包 屏幕"),
    ("by relevance", "投诉 sort:relevance"),
    ("deduplicated stories", "电池鼓包 dedupe"),
    ("page 10", "退款 page:10"),
)
# Most words people look up are rare: a product model, a person, a place, a turn of phrase. These are words
# of the corpus's vocabulary at falling frequency (their rank in jieba's dictionary by frequency).
RARE_RANKS = (2_000, 8_000, 20_000, 40_000)


def _vocabulary() -> tuple[list[str], list[float]]:
    path = Path(jieba.__file__).with_name("dict.txt")
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word, frequency, _ = line.split(" ")
        if 1 <= len(word) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in word):
            words.append((int(frequency), word))
    words.sort(reverse=True)
    words = words[:60_000]
    cumulative, total = [], 0.0
    for frequency, _ in words:
        total += frequency
        cumulative.append(total)
    return [w for _, w in words], cumulative


class Corpus:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.words, self.cumulative = _vocabulary()

    def sentence(self, length: int, brand: str) -> str:
        rng = self.random
        words = rng.choices(self.words, cum_weights=self.cumulative, k=length)
        if rng.random() < 0.6:
            words.insert(rng.randrange(len(words) + 1), brand)
        if rng.random() < 0.35:
            words.insert(rng.randrange(len(words) + 1), rng.choice(ISSUES))
        if rng.random() < 0.05:
            words.insert(rng.randrange(len(words) + 1), f" {rng.choice(LATIN)} ")
        for _ in range(length // 8):
            words.insert(rng.randrange(1, len(words) + 1), rng.choice(PUNCTUATION))
        return "".join(words)

    def rows(self, first_id: int, count: int):
        rng = self.random
        for mention_id in range(first_id, first_id + count):
            brand = rng.choice(BRANDS)
            source_id = rng.randrange(len(SOURCES)) + 1
            published = NOW - timedelta(seconds=rng.randrange(365 * 86400))
            stamp = published.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
            label = rng.choices(LABELS, weights=(3, 5, 2))[0]
            yield (mention_id, source_id, SOURCES[source_id - 1][1], f"p{mention_id}",
                   f"https://example.cn/p/{mention_id}", self.sentence(rng.randint(3, 8), brand),
                   self.sentence(rng.randint(12, 60), brand), f"网友{rng.randrange(100000)}",
                   rng.choice(REGIONS), stamp, stamp, stamp, rng.randrange(500), rng.randrange(200),
                   rng.randrange(2000), brand, rng.random(), label, rng.choice(CATEGORIES),
                   rng.choice(GRADES),
                   rng.randrange(50_000) if rng.random() < 0.3 else None)


INSERT = """INSERT INTO mentions (id, source_id, source_kind, external_id, url, title, text, author, region,
    published_at, fetched_at, stored_at, reposts, comments, likes, brand, sentiment, label, category, grade,
    cluster_id, is_media, extra, reasons, keywords, tokens)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '{}', '[]', '[]', '')"""


def generate(path: Path, rows: int) -> None:
    """Write ``rows`` mentions straight into the tables, then build the index the way production does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    database = Database(f"sqlite:///{partial}")
    database.upgrade()
    database.dispose()
    corpus = Corpus(SEED)
    started = time.perf_counter()
    connection = sqlite3.connect(partial)
    connection.executemany("INSERT INTO sources (id, name, kind, failures) VALUES (?, ?, ?, 0)",
                           [(i + 1, name, kind) for i, (name, kind) in enumerate(SOURCES)])
    batch = 20_000
    for first in range(1, rows + 1, batch):
        connection.executemany(INSERT, corpus.rows(first, min(batch, rows + 1 - first)))
        connection.commit()
        print(f"\r  generated {min(first + batch - 1, rows):,} mentions", end="", file=sys.stderr, flush=True)
    connection.close()
    print(f" in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    started = time.perf_counter()
    database = Database(f"sqlite:///{partial}")
    folded = index.sync(database.engine)
    with database.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    database.dispose()
    print(f"  indexed {folded:,} mentions in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    os.replace(partial, path)


def _request(text: str) -> SearchRequest:
    sort = "relevance" if "sort:relevance" in text else "time"
    dedupe = " dedupe" in text
    page = int(text.rpartition("page:")[2]) if "page:" in text else 1
    query = text.replace(" sort:relevance", "").replace(" dedupe", "").partition(" page:")[0]
    return SearchRequest(q=query, sort=sort, dedupe=dedupe, page=page, per_page=20)


def queries() -> list[tuple[str, str]]:
    words, _ = _vocabulary()
    rare = []
    for rank in RARE_RANKS:
        word = next(w for w in words[rank:] if len(w) >= 2)
        rare.append((f"rank-{rank:,} word", word))
    return [*QUERIES, *rare]


def _timed(db, request: SearchRequest, use_index: bool) -> tuple[float, list[int]]:
    started = time.perf_counter()
    page = search(db, request, TZ, now=NOW, use_index=use_index)
    elapsed = (time.perf_counter() - started) * 1000
    if page.message:
        raise SystemExit(f"query {request.q!r}: {page.message}")
    return elapsed, [hit.mention.id for hit in page.hits]


def _pad(text: str, width: int) -> str:
    """Left-aligned in ``width`` terminal columns, a Chinese character taking two."""
    used = sum(2 if ord(c) > 0x2E80 else 1 for c in text)
    return text + " " * max(0, width - used)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(db, repeats: int, scan_repeats: int, speedup_goal: float | None = 100) -> int:
    """Time every query with the index and as a scan; 1 when a query's first page differs between the two.

    ``speedup_goal`` is SQLite's (the scan there folds every row in Python); None prints the ratio without one."""
    header = (f"{'query':<46} {'hits':>4} {'index p50':>10} {'p95':>8} {'scan p50':>10} {'p95':>8} "
              f"{'faster':>8}")
    print(header)
    print("-" * len(header))
    indexed_all, scanned_all, mismatches = [], [], 0
    for label, text in queries():
        request = _request(text)
        _timed(db, request, True)  # warm the page cache for this query's pages, as a live server would be
        indexed = [_timed(db, request, True) for _ in range(repeats)]
        scanned = [_timed(db, request, False) for _ in range(scan_repeats)]
        if indexed[0][1] != scanned[0][1]:
            mismatches += 1
        index_ms, scan_ms = [t for t, _ in indexed], [t for t, _ in scanned]
        indexed_all += index_ms
        scanned_all += scan_ms
        name = _pad(f"{label}: {text}", 46)
        print(f"{name} {len(indexed[0][1]):>4} {percentile(index_ms, .5):>8.1f}ms "
              f"{percentile(index_ms, .95):>6.1f}ms"
              f" {percentile(scan_ms, .5):>8.0f}ms {percentile(scan_ms, .95):>6.0f}ms"
              f" {statistics.median(scan_ms) / statistics.median(index_ms):>7.0f}x")
    print("-" * len(header))
    p50, p95 = percentile(indexed_all, .5), percentile(indexed_all, .95)
    s50, s95 = percentile(scanned_all, .5), percentile(scanned_all, .95)
    print(f"{'all queries':<51} {p50:>8.1f}ms {p95:>6.1f}ms {s50:>8.0f}ms {s95:>6.0f}ms "
          f"{s95 / p95:>7.0f}x (p95)")
    speedup = (f"{s95 / p95:.0f}x faster at p95" if speedup_goal is None else
               f">= {speedup_goal:.0f}x faster at p95: {'met' if s95 / p95 >= speedup_goal else 'NOT met'} "
               f"({s95 / p95:.0f}x)")
    print(f"goal p95 <= 100 ms: {'met' if p95 <= 100 else 'NOT met'}; {speedup}, at p50: {s50 / p50:.0f}x")
    if mismatches:
        print(f"{mismatches} queries returned different first pages with and without the index")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of each query with the index")
    parser.add_argument("--scan-repeats", type=int, default=3, help="timed runs of each query as a scan")
    parser.add_argument("--rebuild", action="store_true", help="generate the corpus again")
    args = parser.parse_args(argv)
    path = CACHE / f"search-{args.rows}.db"
    if args.rebuild or not path.exists():
        print(f"generating {args.rows:,} mentions into {path} (cached for later runs)", file=sys.stderr)
        generate(path, args.rows)
    db = Database(f"sqlite:///{path}")
    try:
        print(f"{args.rows:,} mentions, SQLite {sqlite3.sqlite_version}, first page of 20, "
              f"{args.repeats} runs with the index and {args.scan_repeats} as a scan per query\n")
        return run(db, args.repeats, args.scan_repeats)
    finally:
        db.dispose()


if __name__ == "__main__":
    sys.exit(main())
