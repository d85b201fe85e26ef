"""Scale benchmark: ``python -m bench.scale`` (``make bench-scale``). Starts its own PostgreSQL and redis-server.

Three measurements, each against a baseline measured in the same run:

1. **Crawl throughput of the fleet**: pages and stored mentions per minute with 1, 2 and 4 long-lived crawl workers
   (``yuqing run --role worker``) crawling demo sites that answer in 200–500 ms, many brands, one run of every
   source started as the leader starts it. Baseline: 1 worker. Goal: >= 1.7x with 2 workers (latency-bound).
2. **The leader's alert evaluation** of 500 brands as stored mentions grow (the growth curve). Baseline: a plain
   ``count(*)`` of the 24 h window, the least any evaluation must read.
3. **Search on PostgreSQL** at 1 M mentions (the corpus of ``bench.search``), first page of 20: the GIN n-gram index
   against the same substring scan (``strpos``) SQLite's benchmark uses as its baseline. Goal: p95 <= 100 ms.
   The corpus is bulk-loaded, then the index the migrations define is built once after the load (with progress),
   which is timed against loading a sample with the index in place. ``--search-database URL`` runs the queries on
   a database loaded so before, as loading and indexing a million mentions takes most of an hour on a busy machine.

PostgreSQL runs with ``fsync=off`` (as in CI): these figures are about our queries and crawling, not the disk.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "bench"
THROUGHPUT_GOAL = 1.7
SEARCH_GOAL_MS = 100


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(command: str) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its tools as the postgres user (as .ci/run does)."""
    return ["su", "postgres", "-s", "/bin/sh", "-c", command] if os.geteuid() == 0 else ["sh", "-c", command]


@contextmanager
def services():
    """A throw-away PostgreSQL cluster and redis-server on loopback ports; yields (postgres URL, redis URL)."""
    initdb = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not initdb or not shutil.which("redis-server"):
        raise SystemExit("bench.scale needs PostgreSQL's server binaries and redis-server (apt: postgresql, "
                         "redis-server)")
    pgbin = initdb[-1].parent
    work = Path(tempfile.mkdtemp(prefix="yuqing-bench-scale-"))
    work.chmod(0o755)
    data = work / "pg"
    if os.geteuid() == 0:
        shutil.chown(work, "postgres")
    pg_port, redis_port = free_port(), free_port()
    subprocess.run(_as_postgres(f"{pgbin}/initdb -D {data} -A trust -U postgres -E UTF8 --locale=C.UTF-8 "
                                ">/dev/null"), check=True)
    options = (f"-p {pg_port} -k {work} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=256MB "
               "-c maintenance_work_mem=512MB -c max_connections=200")
    subprocess.run(_as_postgres(f"{pgbin}/pg_ctl -D {data} -l {work}/pg.log -w -o '{options}' start >/dev/null"),
                   check=True)
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(work)], stdout=subprocess.DEVNULL)
    try:
        yield f"postgresql://postgres@127.0.0.1:{pg_port}", f"redis://127.0.0.1:{redis_port}/0"
    finally:
        redis.terminate()
        redis.wait()
        subprocess.run(_as_postgres(f"{pgbin}/pg_ctl -D {data} -m immediate stop >/dev/null"), check=False)
        shutil.rmtree(work, ignore_errors=True)


def new_database(server: str, name: str) -> str:
    from sqlalchemy import create_engine, text

    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://", 1) + "/postgres",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"


# --- 1. crawl throughput ---------------------------------------------------------------------------------------

FLEET_SETTINGS = """
timezone = "Asia/Shanghai"
[storage]
url = "{url}"
[crawl]
redis_url_env = "BENCH_SCALE_REDIS"
redis_prefix = "{prefix}"
worker_concurrency = {concurrency}
[scheduler]
crawl_timeout = "30m"
[alerts]
enabled = false
{brands}
[[sources]]
name = "b-heimao"
kind = "complaint"
spider = "heimao"
base_url = "{base}"
delay = 0
lookback = "30d"
[[sources]]
name = "b-tieba"
kind = "forum"
spider = "tieba"
base_url = "{base}"
forums = ["scale"]
delay = 0
lookback = "30d"
[[sources]]
name = "b-weibo"
kind = "social"
spider = "weibo"
base_url = "{base}"
delay = 0
lookback = "30d"
"""


def crawl_once(pg_server: str, redis_url: str, server, brands: list[str], workers: int, concurrency: int,
               workdir: Path) -> tuple[int, int, float, dict[str, int]]:
    """One run of every source by ``workers`` workers: (pages, mentions stored, seconds, pages by worker)."""
    import redis
    from sqlalchemy import func, select

    from fleet.dispatch import Dispatcher
    from fleet.runs import RunBook
    from storage.db import Database
    from storage.models import Mention
    from yuqing.config import load_settings

    url = new_database(pg_server, f"bench_fleet_{workers}")
    prefix = f"bench{workers}"
    settings_path = workdir / f"fleet-{workers}.toml"
    brand_toml = "".join(f'[[brands]]\nname = "{name}"\n' for name in brands)
    settings_path.write_text(FLEET_SETTINGS.format(url=url, prefix=prefix, concurrency=concurrency,
                                                   brands=brand_toml, base=server.url), encoding="utf-8")
    settings = load_settings(settings_path)
    db = Database(url)
    db.upgrade()
    env = {**os.environ, "BENCH_SCALE_REDIS": redis_url, "PYTHONPATH": str(ROOT)}
    logs = [workdir / f"worker-{workers}-{n}.log" for n in range(workers)]
    processes = [subprocess.Popen([sys.executable, "-m", "yuqing.cli", "--settings", str(settings_path), "run",
                                   "--role", "worker"], cwd=ROOT, env=env, stdout=log.open("w"),
                                  stderr=subprocess.STDOUT) for log in logs]
    book = RunBook(redis.Redis.from_url(redis_url), prefix)
    dispatcher = Dispatcher(settings, db, book)
    try:
        _wait(lambda: all("serving" in log.read_text(errors="replace") for log in logs), processes, logs)
        started = time.monotonic()
        for source in settings.sources:
            dispatcher.start(source.name)
        ended = []
        while len(ended) < len(settings.sources):
            ended += dispatcher.settle()
            time.sleep(0.05)
        seconds = time.monotonic() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(120)
    with db.session() as session:
        stored = session.scalar(select(func.count()).select_from(Mention))
    db.dispose()
    by_worker: dict[str, int] = {}
    for run in ended:
        for worker, pages in run.state.pages_by_worker.items():
            by_worker[worker] = by_worker.get(worker, 0) + pages
    failed = [f"{run.source}: {run.status} {run.state.errors[:1]}" for run in ended if run.status != "ok"]
    if failed:
        raise SystemExit("crawl runs failed: " + "; ".join(failed))
    return sum(run.state.counts["pages"] for run in ended), stored, seconds, by_worker


def _wait(condition, processes, logs, limit: float = 300) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        for process, log in zip(processes, logs, strict=True):
            if process.poll() is not None:
                raise SystemExit(f"a worker exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            raise SystemExit("workers did not start within 5 minutes")
        time.sleep(0.2)


def throughput(pg_server: str, redis_url: str, brands: int, per_brand: int, counts: list[int],
               concurrency: int) -> int:
    from demo.scale import SlowDemoServer, brand_names, scale_world

    names = brand_names(brands)
    print(f"\n1. Crawl throughput: {brands} brands x {per_brand} posts on 3 demo sites answering in 200-500 ms; "
          f"{concurrency} concurrent requests per source per worker, no politeness delay (latency-bound)")
    print(f"{'workers':>8} {'pages':>7} {'mentions':>9} {'seconds':>8} {'pages/min':>10} {'mentions/min':>13} "
          f"{'vs 1':>6}  pages by worker")
    base_rate = None
    ratios = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in counts:
            with SlowDemoServer(scale_world(names, per_brand), latency=(0.2, 0.5)) as server:
                pages, stored, seconds, by_worker = crawl_once(pg_server, redis_url, server, names, workers,
                                                               concurrency, Path(tmp))
            rate = pages / seconds * 60
            base_rate = base_rate or rate
            ratios[workers] = rate / base_rate
            split = " / ".join(str(n) for n in sorted(by_worker.values(), reverse=True))
            print(f"{workers:>8} {pages:>7} {stored:>9} {seconds:>8.1f} {rate:>10.0f} {stored / seconds * 60:>13.0f} "
                  f"{ratios[workers]:>5.2f}x  {split}", flush=True)
    two = ratios.get(2)
    if two is not None:
        print(f"goal >= {THROUGHPUT_GOAL}x with 2 workers: {'met' if two >= THROUGHPUT_GOAL else 'NOT met'} "
              f"({two:.2f}x)")
        return 0 if two >= THROUGHPUT_GOAL else 1
    return 0


# --- 2. the leader's evaluation -----------------------------------------------------------------------------

COPY_COLUMNS = ("source_id", "source_kind", "external_id", "url", "title", "text", "author", "author_followers",
                "is_media", "region", "published_at", "fetched_at", "stored_at", "reposts", "comments", "likes",
                "extra", "brand", "sentiment", "label", "category", "grade", "reasons", "keywords", "tokens",
                "cluster_id")
SOURCES = (("weibo", "social"), ("tieba", "forum"), ("heimao", "complaint"), ("dianping", "review"),
           ("news", "news"))
REGIONS = ("广东", "北京", "上海", "浙江", "江苏", "四川", "湖北", None)
CATEGORIES = ("产品质量", "服务态度", "交付物流", "售后")


def quiet_history(brands: list[str], now: datetime, first: int, count: int, seed: int):
    """Mentions over 30 days, 5% negative, spread over the brands: the steady state a leader evaluates."""
    rng = random.Random(seed)
    for number in range(first, first + count):
        when = now - timedelta(seconds=rng.randrange(60, 30 * 86400))
        label = rng.choices(("negative", "neutral", "positive"), (5, 60, 35))[0]
        source = rng.randrange(4 if label == "negative" else 5)
        brand = brands[rng.randrange(len(brands))]
        yield (source + 1, SOURCES[source][1], f"q{number}", f"https://example.cn/p/{number}",
               f"{brand} 用户反馈", f"{brand} 相关内容 {number}", f"用户{number % 997}", rng.randrange(10, 5000),
               False, rng.choice(REGIONS), when, when, when, rng.randrange(5), 0, 0, "{}", brand,
               {"negative": 0.1, "positive": 0.9}.get(label, 0.5), label,
               rng.choice(CATEGORIES) if label == "negative" else None, "一般", "[]", "[]", "", -number)


def copy_rows(url: str, rows, columns=COPY_COLUMNS, *, progress: str = "") -> int:
    """Bulk-load rows with COPY (the way to load millions of rows into PostgreSQL), showing progress."""
    import psycopg

    done = 0
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SET timezone = 'UTC'")
        with cursor.copy(f"COPY mentions ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                done += 1
                if progress and done % 50_000 == 0:
                    print(f"\r  {progress}: {done:,} rows", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    return done


def add_sources(url: str, sources=SOURCES) -> None:
    import psycopg

    with psycopg.connect(url) as connection:
        connection.execute("DELETE FROM sources")
        for number, (name, kind) in enumerate(sources, start=1):
            connection.execute("INSERT INTO sources (id, name, kind, failures) VALUES (%s, %s, %s, 0)",
                               (number, name, kind))


def evaluation(pg_server: str, brands: int, sizes: list[int], repeats: int) -> None:
    from sqlalchemy import func, select

    from alerts.engine import evaluate
    from storage.db import Database
    from storage.models import Mention
    from yuqing.config import Settings

    url = new_database(pg_server, "bench_evaluation")
    db = Database(url)
    db.upgrade()
    add_sources(url)
    with db.engine.connect() as connection:
        # Evaluation never reads the search index, and keeping it up to date would make loading the growth curve
        # take most of the benchmark's time (part 3 measures it).
        connection.exec_driver_sql(f"DROP INDEX {INDEX_NAME}")
        connection.commit()
    names = [f"品牌{i:03d}" for i in range(brands)]
    settings = Settings.model_validate({"storage": {"url": url}, "brands": [{"name": n} for n in names]})
    now = datetime.now(UTC)
    longest = settings.alerts.windows[-1]
    print(f"\n2. The leader's alert evaluation: {brands} brands, mentions over 30 days (5% negative), PostgreSQL")
    print(f"{'mentions':>10} {'evaluation':>11} {'count(*) 24h':>13} {'x baseline':>11} {'ms per brand':>13}")
    loaded = 0
    for size in sizes:
        copy_rows(url, quiet_history(names, now, loaded, size - loaded, seed=size), progress=f"loading {size:,}")
        loaded = size
        # As autovacuum would leave a table loaded this long ago: without the visibility map set, counting the
        # window reads the table's pages instead of the index alone, and the baseline means little.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE mentions")

        def count_window() -> None:
            with db.session() as session:
                session.scalar(select(func.count()).select_from(Mention).where(Mention.published_at > now - longest))

        evaluate(db, settings, now=now)  # warm-up, and the first evaluation creates no alert: the data is quiet
        spent = median_time(lambda: evaluate(db, settings, now=now), repeats)
        scan = median_time(count_window, repeats)
        print(f"{size:>10,} {spent * 1000:>9.0f}ms {scan * 1000:>11.1f}ms {spent / scan:>10.1f}x "
              f"{spent * 1000 / brands:>12.2f}", flush=True)
    db.dispose()


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# --- 3. search on PostgreSQL ----------------------------------------------------------------------------------

SEARCH_COLUMNS = ("id", "source_id", "source_kind", "external_id", "url", "title", "text", "author", "region",
                  "published_at", "fetched_at", "stored_at", "reposts", "comments", "likes", "brand", "sentiment",
                  "label", "category", "grade", "cluster_id", "is_media", "extra", "reasons", "keywords", "tokens")
INDEX_NAME = "ix_mentions_search_grams"


def search_rows(rows: int):
    """The corpus of bench.search, cached as a gzip'd TSV under var/bench (generating it takes minutes)."""
    from bench.search import SEED, Corpus

    path = CACHE / f"search-{rows}.tsv.gz"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        corpus = Corpus(SEED)
        with gzip.open(partial, "wt", encoding="utf-8", compresslevel=3) as out:
            for first in range(1, rows + 1, 20_000):
                for row in corpus.rows(first, min(20_000, rows + 1 - first)):
                    out.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
                print(f"\r  generating the corpus: {min(first + 19_999, rows):,} rows", end="", file=sys.stderr,
                      flush=True)
        print(file=sys.stderr)
        os.replace(partial, path)
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            values = [None if v == "\\N" else v for v in line.rstrip("\n").split("\t")]
            yield (*values, False, "{}", "[]", "[]", "")


def drop_index(url: str) -> str:
    """Drop the search index the migrations made; returns its definition, to build the same one after a load."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        definition = connection.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                                        (INDEX_NAME,)).fetchone()[0]
        connection.execute(f"DROP INDEX {INDEX_NAME}")
    return definition


def build_index(url: str, statement: str) -> float:
    """CREATE INDEX after the load, with PostgreSQL's own progress report shown while it runs."""
    import psycopg

    stop = threading.Event()

    def report() -> None:
        with psycopg.connect(url, autocommit=True) as watcher:
            while not stop.wait(2):
                row = watcher.execute("SELECT phase, blocks_done, blocks_total, tuples_done, tuples_total "
                                      "FROM pg_stat_progress_create_index").fetchone()
                if row:
                    phase, blocks, blocks_total, tuples, tuples_total = row
                    done = f"{blocks:,}/{blocks_total:,} blocks" if blocks_total else f"{tuples:,}/{tuples_total:,}"
                    print(f"\r  building the search index: {phase}, {done}      ", end="", file=sys.stderr,
                          flush=True)

    watcher = threading.Thread(target=report, daemon=True)
    watcher.start()
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("SET maintenance_work_mem = '512MB'")
        connection.execute(statement)
        # As autovacuum leaves a table some time after a load: statistics, and the visibility map that lets the
        # time index answer alone.
        connection.execute("VACUUM ANALYZE mentions")
    stop.set()
    watcher.join()
    print(file=sys.stderr)
    return time.perf_counter() - started


def index_load_comparison(pg_server: str, rows: int, sample: int) -> None:
    """Loading ``sample`` rows with the index in place (as a migration leaves it) against load-then-index."""

    from storage.db import Database

    timings = {}
    for how in ("index in place", "index after the load"):
        url = new_database(pg_server, "bench_index_load")
        db = Database(url)
        db.upgrade()
        db.dispose()
        add_sources(url, SEARCH_SOURCES)
        started = time.perf_counter()
        definition = drop_index(url) if how == "index after the load" else None
        copy_rows(url, _take(search_rows(rows), sample), SEARCH_COLUMNS)
        if definition:
            build_index(url, definition)
        timings[how] = time.perf_counter() - started
    print(f"  loading {sample:,} mentions: with the index in place {timings['index in place']:.1f} s, "
          f"index built after the load {timings['index after the load']:.1f} s "
          f"(after / in place = {timings['index after the load'] / timings['index in place']:.2f})")


SEARCH_SOURCES = (("weibo", "social"), ("tieba", "forum"), ("heimao", "complaint"), ("dianping", "review"),
                  ("sina-news", "news"), ("douyin", "social"), ("zhihu", "forum"), ("12315", "complaint"))


def _take(rows, count: int):
    for number, row in enumerate(rows):
        if number >= count:
            return
        yield row


def pg_search(pg_server: str, rows: int, repeats: int, scan_repeats: int, database: str | None = None) -> int:
    from bench.search import run
    from storage.db import Database

    print(f"\n3. Search on PostgreSQL, {rows:,} mentions (the corpus of bench.search)")
    if database:
        url = database
        print(f"  on {url}, loaded and indexed by an earlier run\n")
    else:
        url = load_search_corpus(pg_server, rows)
    db = Database(url)
    db.upgrade()
    try:
        # The scan reads the stored fold too (migration 0016), so it is a walk, not SQLite's Python fold per row:
        # only the latency goal is the here.
        return run(db, repeats, scan_repeats, speedup_goal=None)
    finally:
        db.dispose()


def load_search_corpus(pg_server: str, rows: int) -> str:
    """A new database holding ``rows`` mentions of the corpus, loaded first and indexed after (with progress)."""
    from storage.db import Database

    list(_take(search_rows(rows), 1))  # generate (or find) the cached corpus before timing anything
    index_load_comparison(pg_server, rows, min(rows, 20_000))
    url = new_database(pg_server, "bench_search")
    db = Database(url)
    db.upgrade()
    db.dispose()
    add_sources(url, SEARCH_SOURCES)
    definition = drop_index(url)
    started = time.perf_counter()
    copy_rows(url, search_rows(rows), SEARCH_COLUMNS, progress="loading")
    loaded = time.perf_counter() - started
    built = build_index(url, definition)
    print(f"  loaded in {loaded:.0f} s, index built after the load in {built:.0f} s\n")
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--brands", type=int, default=40, help="brands on the demo sites (throughput)")
    parser.add_argument("--per-brand", type=int, default=15, help="posts per brand and site (throughput)")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to measure")
    parser.add_argument("--concurrency", type=int, default=4, help="requests per source per worker")
    parser.add_argument("--eval-brands", type=int, default=500)
    parser.add_argument("--eval-sizes", default="100000,300000,1000000", help="mention counts for the curve")
    parser.add_argument("--search-rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: crawl, evaluation, search")
    parser.add_argument("--search-database", metavar="URL",
                        help="run the search part on this PostgreSQL database, loaded and indexed by an earlier run "
                             "(loading and indexing a million mentions takes most of an hour on a busy machine)")
    args = parser.parse_args(argv)
    # SIGTERM ends the run through the finally clauses, which stop the PostgreSQL and redis it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    skip = set(filter(None, args.skip.split(",")))
    status = 0
    with services() as (pg_server, redis_url):
        print(f"PostgreSQL and redis-server on loopback ({pg_server}, {redis_url}); {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}")
        if "crawl" not in skip:
            status |= throughput(pg_server, redis_url, args.brands, args.per_brand,
                                 [int(n) for n in args.workers.split(",")], args.concurrency)
        if "evaluation" not in skip:
            evaluation(pg_server, args.eval_brands, [int(n) for n in args.eval_sizes.split(",")], args.repeats)
        if "search" not in skip:
            status |= pg_search(pg_server, args.search_rows, args.repeats, 3, args.search_database)
    return status


if __name__ == "__main__":
    sys.exit(main())
