"""Crawl throughput: every site spider against the demo sites through the whole pipeline, next to ``scrapy bench``.

``python -m bench.crawl`` serves a generated world on loopback, runs ``yuqing crawl`` for one source per site
kind (parse, brand match, NLP, store in a throw-away SQLite database), then runs ``scrapy bench`` in the same run,
and prints pages per minute of each and their ratio (goal: >= 0.6).

Our figure counts the pages the demo sites served between a crawl's first and last request, so it measures
crawling, not the one-off start-up (loading the NLP model) that every crawl process pays.

It also times the HTML parsing alone on our fixture pages: the browser-conformant path the parsers use (lexbor,
then parsel) against parsel's own lxml parse, the path before it, and counts what each finds on the Tieba forum
page whose threads come after ``</html>``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.sites.review.demo import SELECTORS
from demo.server import DemoServer
from demo.world import DemoPost, World

ROOT = Path(__file__).resolve().parents[1]
GOAL = 0.6
_BENCH_RATE = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\)")

COMPLAINTS = [
    "青禾空气炸锅用了三天就冒烟，客服一直推诿",
    "青禾电饭煲内胆涂层脱落，要求退货被拒",
    "青禾破壁机噪音很大，售后不处理",
]
PRAISE = ["青禾空气炸锅炸鸡翅很香，推荐", "青禾电饭煲煮饭好吃，外观也漂亮", "星澜汽车试驾体验不错，座椅舒服"]


class TimedServer(DemoServer):
    """The demo server, noting when each page was served."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.served_at: list[float] = []

    def respond(self, path, query, headers):
        self.served_at.append(time.monotonic())
        return super().respond(path, query, headers)


def world(size: int) -> World:
    now = datetime.now(UTC)
    texts = COMPLAINTS + PRAISE
    posts = []
    for i in range(size):
        text = texts[i % len(texts)] + f"（第{i}条）"
        when = now - timedelta(minutes=7 * i + 1)
        posts += [
            DemoPost(
                "weibo", f"5300{i:08d}", "", text, f"微博用户{i % 37}", when, region="北京", followers=100 + i
            ),
            DemoPost(
                "heimao", f"1740{i:07d}", text[:12], text, f"投诉人{i}", when, extra={"company": "青禾电器"}
            ),
            DemoPost("zhihu", f"31{i:08d}", text[:12], text, f"答主{i % 11}", when),
            DemoPost("dianping", f"71{i:07d}", "", text, f"食客{i}", when, rating=1 + i % 5),
            DemoPost("review", f"r{i}", text[:10], text, f"买家{i}", when, rating=1 + i % 5),
        ]
        thread = f"94{i:08d}"
        posts += [
            DemoPost("tieba", thread, text[:14], text, f"吧友{i}", when, extra={"forum": "青禾"}),
            DemoPost(
                "tieba",
                f"15200{i:07d}",
                text[:14],
                "回复：" + texts[(i + 1) % len(texts)],
                "吧友",
                when,
                extra={"thread": thread},
            ),
            DemoPost("discuz", f"{5000 + i}", text[:14], text, f"坛友{i}", when, extra={"fid": "36"}),
        ]
    return World(posts)


def settings_text(base: str, workdir: Path, pages: int) -> str:
    sources = [
        ("b-weibo", "weibo", "social", ""),
        ("b-tieba", "tieba", "forum", 'forums = ["青禾"]'),
        ("b-heimao", "heimao", "complaint", ""),
        ("b-discuz", "discuz", "forum", 'forums = ["36"]'),
        ("b-dianping", "dianping", "review", 'forums = ["benchshop"]'),
        ("b-zhihu", "zhihu", "social", ""),
        ("b-review", "review", "review", f'urls = ["{base}/koubei/bench"]'),
    ]
    text = (
        f'timezone = "Asia/Shanghai"\n[storage]\nurl = "sqlite:///{workdir}/bench.db"\n'
        '[[brands]]\nname = "青禾"\n[[brands]]\nname = "星澜汽车"\n'
    )
    for name, spider, kind, extra in sources:
        text += (
            f'[[sources]]\nname = "{name}"\nkind = "{kind}"\nspider = "{spider}"\nbase_url = "{base}"\n'
            f'delay = 0\nthrottle = false\nmax_pages = {pages}\nlookback = "30d"\n{extra}\n'
        )
        if spider == "review":
            text += "[sources.selectors]\n" + "".join(f'{k} = "{v}"\n' for k, v in SELECTORS.items())
    return text


def crawl_demo_sites(size: int, pages: int) -> tuple[int, float, list[str]]:
    """Pages served and the seconds spent crawling them, summed over one crawl per site kind."""
    server = TimedServer(world(size))
    pages_served, seconds, lines = 0, 0.0, []
    with server, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        settings = workdir / "settings.toml"
        settings.write_text(settings_text(server.url, workdir, pages), encoding="utf-8")
        for name in ("b-weibo", "b-tieba", "b-heimao", "b-discuz", "b-dianping", "b-zhihu", "b-review"):
            server.served_at.clear()
            done = subprocess.run(
                [sys.executable, "-m", "yuqing.cli", "--settings", str(settings), "crawl", name],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=False,
            )
            served = list(server.served_at)
            spent = served[-1] - served[0] if len(served) > 1 else 0.0
            pages_served += len(served)
            seconds += spent
            outcome = (done.stdout.strip().splitlines() or [done.stderr.strip()[-200:]])[0]
            lines.append(f"  {outcome}  [{len(served)} pages in {spent:.1f}s]")
    return pages_served, seconds, lines


FIXTURES = ROOT / "tests" / "fixtures" / "sites"


def html_parsing(rounds: int = 20) -> list[str]:
    """Milliseconds per page of our HTML path and of lxml's alone on the fixture pages, and what each finds."""
    from parsel import Selector

    from crawler.parsers.common import decode_body, html_page

    pages = [decode_body(path.read_bytes()) for path in sorted(FIXTURES.rglob("*.html"))]
    timings = {}
    for name, parse in (("lexbor + parsel (ours)", html_page), ("lxml via parsel (before)", Selector)):
        start = time.perf_counter()
        for _ in range(rounds):
            for text in pages:
                parse(text)
        timings[name] = (time.perf_counter() - start) / (rounds * len(pages)) * 1000
    bigpipe = decode_body((FIXTURES / "tieba" / "forum_bigpipe.html").read_bytes()).replace("<!--", "")
    found = {name: len(parse(bigpipe).css("li.j_thread_list")) for name, parse in
             (("ours", html_page), ("lxml", Selector))}
    ours, before = timings.values()
    return [f"HTML parsing, {len(pages)} fixture pages x {rounds}: " + ", ".join(f"{k} {v:.2f} ms/page"
                                                                         for k, v in timings.items())
            + f" = {ours / before:.1f}x lxml's time",
            f"threads after </html> on the Bigpipe forum page: ours {found['ours']} of 4, lxml {found['lxml']} of 4"]


def scrapy_bench(seconds: int) -> int:
    """``scrapy bench``'s steady rate: the last 'Crawled N pages (at R pages/min)' line it logs."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "bench",
            "-s",
            f"CLOSESPIDER_TIMEOUT={seconds}",
            "-s",
            "LOGSTATS_INTERVAL=1",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    rates = [int(m.group(2)) for m in _BENCH_RATE.finditer(done.stderr + done.stdout)]
    if not rates:
        raise SystemExit(f"scrapy bench printed no rate:\n{done.stderr[-800:]}")
    return max(rates)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="爬取吞吐量：演示站点全流程 vs scrapy bench")
    parser.add_argument(
        "--size", type=int, default=200, help="posts per site in the demo world (default 200)"
    )
    parser.add_argument("--pages", type=int, default=30, help="max_pages of every source (default 30)")
    parser.add_argument(
        "--bench-seconds", type=int, default=10, help="how long scrapy bench runs (default 10)"
    )
    args = parser.parse_args(argv)

    pages, seconds, lines = crawl_demo_sites(args.size, args.pages)
    print("demo sites, full pipeline (parse, NLP, store):")
    print("\n".join(lines))
    ours = pages / seconds * 60 if seconds else 0.0
    print("\n".join(html_parsing()))
    bench = scrapy_bench(args.bench_seconds)
    ratio = ours / bench if bench else 0.0
    print(f"yuqing crawl:  {pages} pages in {seconds:.1f}s = {ours:.0f} pages/min")
    print(f"scrapy bench:  {bench} pages/min")
    print(f"ratio:         {ratio:.2f} (goal >= {GOAL}) {'OK' if ratio >= GOAL else 'BELOW GOAL'}")
    return 0 if ratio >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
