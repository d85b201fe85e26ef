"""``yuqing demo``: the bundled sites tell a scripted crisis on an accelerated clock while the real daemon watches.

Quiet days of ordinary mentions of 青禾 are already published when the demo starts; the first crawl takes them in.
Then the clock runs (simulated time = start + real elapsed × speed-up) and the air-fryer fire spreads from 黑猫投诉
to the forums, Weibo and the news, while the daemon crawls each site in its own process on its schedule, evaluates
alerts and writes the emails as .eml files. Nothing leaves 127.0.0.1.

Every time the demo prints is simulated time, and so is every time the alert engine and the emails show: the crawler
stamps stored rows with the real time, so after each crawl the demo restates those stamps on its clock, which is
when, in the story, the crawl stored them.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import logging
import os
import re
import secrets
import shlex
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from demo.clock import DemoClock
from demo.robots import Robot, RobotServer
from demo.scenario import DURATION, QUIET_DAYS, Scenario, build
from demo.server import DemoServer
from demo.world import World
from yuqing.daemon import CrawlOutcome, Daemon

if TYPE_CHECKING:  # annotations only: nothing here runs an import up to the CLI layer
    from storage.db import Database
    from yuqing.config import Settings

TEMPLATE = Path(str(importlib.resources.files("demo") / "settings.demo.toml"))
ROBOT_TEMPLATE = Path(str(importlib.resources.files("demo") / "robots.demo.toml"))
# The story starts half an hour before the first complaint, and runs for DURATION after it.
LEAD_IN = timedelta(minutes=30)
# The clock is set so the story takes this many crawl rounds (a round measured by the first crawl): enough for
# the daemon to see the complaint, the spread and the media wave one after another, on a fast machine or a slow one.
STORY_ROUNDS = 3
SPEEDUP_RANGE = (120.0, 3000.0)
# How long the demo waits, at the end, for the crawls the scheduler started to finish.
FINAL_ROUND_LIMIT = 120.0


def available_spiders() -> set[str]:
    """Every registered site: the demo plays each one, so a site without its demo renderer fails here, at start."""
    from crawler.sites import SITES, verify, verify_demo

    verify()
    verify_demo()
    return set(SITES)


def write_settings(workdir: Path, base_url: str, spiders: set[str], *, robots: bool = False) -> Path:
    """The demo's settings.toml: the template filled in, with a source only for each site the demo can serve, and
    with ``robots`` the chat robots of ``demo_robots`` (whose variables must then be set)."""
    text = TEMPLATE.read_text(encoding="utf-8").replace("{base_url}", base_url).replace("{workdir}",
                                                                                        workdir.as_posix())
    head, *sources = text.split("\n[[sources]]\n")
    kept = [block for block in sources if re.search(r'^spider = "(\w+)"', block, re.M).group(1) in spiders]
    path = workdir / "settings.toml"
    robot_tables = ROBOT_TEMPLATE.read_text(encoding="utf-8") if robots else ""
    path.write_text("\n[[sources]]\n".join([head, *kept]) + "\n" + robot_tables, encoding="utf-8")
    return path


def restamp(db: Database, moment: datetime) -> int:
    """Put rows the crawler stamped with the real time onto the demo's clock (see the module docstring)."""
    from sqlalchemy import update

    from storage.models import Mention

    with db.session() as session:
        stored = session.execute(update(Mention).where(Mention.stored_at > moment).values(stored_at=moment))
        session.execute(update(Mention).where(Mention.fetched_at > moment).values(fetched_at=moment))
    return stored.rowcount


@dataclass
class CrawlLog:
    """What the demo's progress line shows: crawls done, and when (simulated) each source last started one."""

    done: list[tuple[datetime, CrawlOutcome]] = field(default_factory=list)
    started: dict[str, datetime] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class DemoDaemon(Daemon):
    """The daemon, unchanged, plus the restamping of each crawl's rows and a log for the progress display."""

    def __init__(self, *args, log: CrawlLog, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.log = log

    def run_crawl(self, source_name: str) -> CrawlOutcome:
        with self.log.lock:
            self.log.started[source_name] = self.clock()
        outcome = super().run_crawl(source_name)
        now = self.clock()
        restamp(self.db, now)
        if outcome.status != "skipped":
            with self.log.lock:
                self.log.done.append((now, outcome))
        return outcome


def run_demo(workdir: str) -> int:
    from storage.db import Database
    from yuqing.config import load_settings

    console = Console()
    root = Path(workdir).resolve()
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    began = time.monotonic()
    # The demo prints what happens; the daemon's own log lines would only repeat it.
    logging.getLogger().setLevel(logging.ERROR)
    # The story ends at the real present: the crawler refuses dates in the future, and rightly so.
    crisis_at = datetime.now(UTC).replace(microsecond=0) - DURATION - timedelta(minutes=5)
    scenario = build(crisis_at)
    clock = DemoClock(crisis_at - LEAD_IN, speedup=1.0)
    clock.pause()
    world = World(scenario.posts, clock=clock)
    with DemoServer(world) as server, demo_robots() as robots:
        settings_path = write_settings(root, server.url, available_spiders(), robots=True)
        settings = load_settings(settings_path)
        db = Database(settings.storage.database_url)
        db.upgrade()
        tz = settings.tz
        console.print(f"[bold]青禾 舆情演示[/bold]  演示站点 {server.url}  工作目录 {root}")
        daemon = DemoDaemon(settings, settings_path, db, clock=clock, log=CrawlLog())
        round_seconds = first_crawl(daemon, console, clock)
        low, high = SPEEDUP_RANGE
        clock.speedup = min(high, max(low, (DURATION + LEAD_IN).total_seconds() / (STORY_ROUNDS * round_seconds)))
        console.print(f"模拟时钟 ×{clock.speedup:.0f}：现实 1 秒 ≈ 模拟 {clock.speedup / 60:.0f} 分钟。"
                      "以下时间均为模拟时间（北京时间）。")
        clock.resume()
        try:
            daemon.start()
            reporter = watch(daemon, scenario, clock, console, tz)
            final_round(daemon, world, reporter, console)
        finally:
            daemon.stop(grace=settings.scheduler.stop_grace.total_seconds())
        daemon.evaluate()
        digest_note = send_digest(daemon, clock)
        reporter.poll()
    console.print(summary(settings, db, settings_path, digest_note, began, robots))
    db.dispose()
    return 0


# The demo's chat groups: (robot name in demo/settings.demo.toml, platform, variable prefix, signed).
DEMO_ROBOTS = (("pr-dingtalk", "dingtalk", "YUQING_DEMO_DINGTALK", True),
               ("quality-wecom", "wecom", "YUQING_DEMO_WECOM", False),
               ("leaders-feishu", "feishu", "YUQING_DEMO_FEISHU", True))
PLATFORM_NAMES = {"dingtalk": "钉钉", "wecom": "企业微信", "feishu": "飞书"}


def demo_robots() -> RobotServer:
    """The robot server, its URLs and fresh secrets in the environment the settings name (crawl children inherit
    it), so the demo's alerts go through the same signed webhooks a deployment's do."""
    robots = {name: Robot(platform, secrets.token_hex(8), f"SEC{secrets.token_hex(16)}" if signed else None)
              for name, platform, _, signed in DEMO_ROBOTS}
    server = RobotServer(robots)
    for name, _, prefix, signed in DEMO_ROBOTS:
        os.environ[f"{prefix}_URL"] = server.url(name)
        if signed:
            os.environ[f"{prefix}_SECRET"] = robots[name].secret
    return server


def first_crawl(daemon: DemoDaemon, console: Console, clock: DemoClock) -> float:
    """Every source once, on the stopped clock: the quiet days already online when monitoring begins.
    Returns how long the round took, in real seconds."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    names = [source.name for source in daemon.settings.sources]
    started = time.monotonic()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        task = progress.add_task(f"首次抓取 first crawl：{len(names)} 个数据源，{QUIET_DAYS} 天的历史",
                                 total=len(names))
        with ThreadPoolExecutor(daemon.settings.scheduler.max_parallel_crawls) as pool:
            for future in as_completed([pool.submit(daemon.run_crawl, name) for name in names]):
                progress.console.print(f"  {_outcome_line(future.result())}")
                progress.advance(task)
    daemon.evaluate()
    with daemon.log.lock:
        daemon.log.done.clear()
    return time.monotonic() - started


def _outcome_line(outcome: CrawlOutcome) -> str:
    style = "green" if outcome.status == "ok" else "red"
    return f"[{style}]{outcome.summary}[/{style}]"


def watch(daemon: DemoDaemon, scenario: Scenario, clock: DemoClock, console: Console, tz) -> Reporter:
    """Show the story as the daemon sees it until the simulated clock reaches its end."""
    reporter = Reporter(daemon, console, tz)
    with Live(console=console, refresh_per_second=4, transient=True) as live:
        while clock() < scenario.ends_at:
            reporter.poll()
            live.update(status_line(daemon, scenario, clock, tz))
            time.sleep(0.25)
        reporter.poll()
    return reporter


def final_round(daemon: DemoDaemon, world: World, reporter: Reporter, console: Console) -> None:
    """With the scheduler paused and the crawls it started finished, one more crawl of each source with posts
    published since its last crawl began: the end of the story, as the next scheduled turn would see it."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    daemon.scheduler.pause()
    with console.status("最后一轮抓取 final crawl round"):
        deadline = time.monotonic() + FINAL_ROUND_LIMIT
        while daemon.running_crawls() and time.monotonic() < deadline:
            reporter.poll()
            time.sleep(0.25)
        behind = [source.name for source in daemon.settings.sources if _has_unseen_posts(daemon, world, source)]
        with ThreadPoolExecutor(daemon.settings.scheduler.max_parallel_crawls) as pool:
            for _ in as_completed([pool.submit(daemon.run_crawl, name) for name in behind]):
                reporter.poll()
    reporter.poll()


# The demo sites each source's spider reads; the feed source reads three feeds.
FEED_SITES = ("news", "portal", "blog")


def _has_unseen_posts(daemon: DemoDaemon, world: World, source) -> bool:
    with daemon.log.lock:
        started = daemon.log.started.get(source.name)
    sites = FEED_SITES if source.spider == "feed" else (source.spider,)
    return started is None or any(post.published_at > started for site in sites for post in world.visible(site))


class Reporter:
    """Prints, once each, the crawls, alert changes and emails that happened since the last poll."""

    def __init__(self, daemon: DemoDaemon, console: Console, tz) -> None:
        self.daemon, self.console, self.tz = daemon, console, tz
        self.crawls_seen = 0
        self.event_id = 0
        self.mails_seen: set[str] = set()

    def poll(self) -> None:
        from sqlalchemy import select

        from alerts.models import Alert, AlertEvent

        with self.daemon.log.lock:
            fresh = self.daemon.log.done[self.crawls_seen:]
            self.crawls_seen += len(fresh)
        for at, outcome in fresh:
            self.console.print(f"[dim]{at.astimezone(self.tz):%m-%d %H:%M}[/dim]  抓取 {_outcome_line(outcome)}")
        with self.daemon.db.session() as session:
            events = session.execute(select(AlertEvent, Alert).join(Alert).where(AlertEvent.id > self.event_id)
                                     .order_by(AlertEvent.id)).all()
            for event, alert in events:
                self.event_id = event.id
                if event.kind in ALERT_EVENT_NAMES:
                    level = event.level or alert.level or ""
                    colour = LEVEL_COLOURS.get(level, "white")
                    self.console.print(f"[dim]{event.at.astimezone(self.tz):%m-%d %H:%M}[/dim]  "
                                       f"[bold {colour}]预警 {level}[/bold {colour}] {alert.subject} "
                                       f"{alert.scope} {ALERT_EVENT_NAMES[event.kind]}")
        mailbox = Path(self.daemon.settings.mail.mailbox_dir)
        for path in sorted(mailbox.glob("*.eml")) if mailbox.exists() else []:
            if path.name not in self.mails_seen:
                self.mails_seen.add(path.name)
                subject, to, _ = read_eml(path)
                self.console.print(f"            [cyan]邮件[/cyan] {subject} → {to}")


ALERT_EVENT_NAMES = {"firing": "触发", "escalated": "升级", "deescalated": "降级", "resolved": "解除",
                     "repeat": "重复提醒"}
LEVEL_COLOURS = {"一般": "yellow", "严重": "dark_orange", "重大": "red"}


def status_line(daemon: DemoDaemon, scenario: Scenario, clock: DemoClock, tz) -> Table:
    from sqlalchemy import func, select

    from alerts.models import Alert
    from storage.models import Mention

    now = clock()
    with daemon.db.session() as session:
        mentions = session.scalar(select(func.count()).select_from(Mention))
        levels = [level for (level,) in session.execute(select(Alert.level).where(Alert.state == "firing"))]
    with daemon.log.lock:
        crawls = len(daemon.log.done)
    highest = max(levels, key=("一般", "严重", "重大").index) if levels else "无"
    progress = min(1.0, (now - (scenario.crisis_at - LEAD_IN)) / (DURATION + LEAD_IN))
    table = Table.grid(padding=(0, 2))
    table.add_row(f"[bold]模拟时间 {now.astimezone(tz):%m-%d %H:%M}[/bold]", f"{progress:>4.0%}",
                  scenario.beat_at(now).text)
    table.add_row(f"抓取 {crawls} 次，运行中 {', '.join(daemon.running_crawls()) or '-'}",
                  f"提及 {mentions} 条", f"当前预警 {highest}")
    return table


def send_digest(daemon: DemoDaemon, clock: DemoClock) -> str:
    """The daily digest of the story's day, as the morning job would send it."""
    day = clock().astimezone(daemon.settings.tz).date()
    daemon.send_digest(day=day)
    return f"日报：{day:%Y-%m-%d} 的日报已写入邮件文件夹"


def read_eml(path: Path) -> tuple[str, str, datetime | None]:
    from email import policy
    from email.parser import BytesParser
    from email.utils import parsedate_to_datetime

    with path.open("rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle, headersonly=True)
    date = message["Date"]
    return str(message["Subject"]), str(message["To"]), parsedate_to_datetime(date) if date else None


LABELS = ("negative", "neutral", "positive")


def summary(settings: Settings, db: Database, settings_path: Path, digest_note: str, began: float,
            robots: RobotServer):
    from rich.console import Group
    from sqlalchemy import case, func, select

    from alerts.models import Alert, AlertEvent
    from delivery.models import OutboxMessage
    from storage.models import Mention, Source

    tz = settings.tz
    with db.session() as session:
        per_source = session.execute(
            select(Source.name, func.count(Mention.id), func.sum(case((Mention.label == "negative", 1), else_=0)),
                   func.min(Mention.published_at), func.max(Mention.published_at))
            .join(Mention, Mention.source_id == Source.id).group_by(Source.name).order_by(Source.name)).all()
        per_brand = session.execute(
            select(Mention.brand, func.count(Mention.id),
                   *(func.sum(case((Mention.label == label, 1), else_=0)) for label in LABELS),
                   func.avg(Mention.sentiment))
            .group_by(Mention.brand).order_by(Mention.brand)).all()
        events = session.execute(select(AlertEvent, Alert).join(Alert)
                                 .where(AlertEvent.kind.in_(tuple(ALERT_EVENT_NAMES)))
                                 .order_by(AlertEvent.at, AlertEvent.id)).all()
        # Who each notification went to: the outbox row the evaluation wrote with the change.
        notified = {(event.alert_id, event.at): message.recipients for event, message in session.execute(
            select(AlertEvent, OutboxMessage).join(OutboxMessage, AlertEvent.outbox_id == OutboxMessage.id))}
    sources = Table(title="各数据源的提及")
    for column in ("数据源", "提及", "负面", "最早发布", "最新发布"):
        sources.add_column(column)
    for name, count, negative, first, last in per_source:
        sources.add_row(name, str(count), str(negative or 0), f"{first.astimezone(tz):%m-%d %H:%M}",
                        f"{last.astimezone(tz):%m-%d %H:%M}")
    sources.add_row("[bold]合计[/bold]", str(sum(r[1] for r in per_source)),
                    str(sum(r[2] or 0 for r in per_source)), "", "")
    brands = Table(title="各品牌的提及与情感")
    for column in ("品牌", "提及", "负面", "中性", "正面", "平均情感 (正面概率)"):
        brands.add_column(column)
    for name, count, *labels, mean in per_brand:
        brands.add_row(name, str(count), *(str(n or 0) for n in labels), f"{mean:.2f}")

    from alerts.routing import DEPARTMENT_NAMES

    alerts = Table(title="预警（模拟时间）")
    for column in ("时间", "品牌", "范围", "级别", "事件", "通知部门"):
        alerts.add_column(column)
    department_of = {address: DEPARTMENT_NAMES.get(name, name)
                     for name, addresses in settings.mail.departments.items() for address in addresses}
    for event, alert in events:
        recipients = notified.get((alert.id, event.at), [])
        departments = dict.fromkeys(department_of.get(address, address) for address in recipients)
        alerts.add_row(f"{event.at.astimezone(tz):%m-%d %H:%M}", alert.subject, alert.scope or "-",
                       event.level or "-", ALERT_EVENT_NAMES[event.kind], "、".join(departments) or "未单独通知")

    mailbox = Path(settings.mail.mailbox_dir)
    files = sorted(mailbox.glob("*.eml")) if mailbox.exists() else []
    mails = Table(title=f"邮件（{len(files)} 封 .eml 文件，在 {mailbox}）")
    for column in ("时间", "主题", "收件人"):
        mails.add_column(column)
    for path in files:
        subject, to, date = read_eml(path)
        mails.add_row(f"{date.astimezone(tz):%m-%d %H:%M}" if date else "-", subject, to)

    cards = Table(title=f"机器人消息（{len(robots.received)} 条，本机模拟的钉钉、企业微信、飞书群机器人收到的）")
    for column in ("平台", "群机器人", "标题"):
        cards.add_column(column)
    for card in robots.received:
        cards.add_row(PLATFORM_NAMES[card.platform], card.robot, card.title)
    # One card as the group sees it: the first 重大 one, else the first of all.
    shown = next((c for c in robots.received if "重大" in c.title), robots.received[0] if robots.received else None)
    card_view = Panel(shown.text, title=f"{PLATFORM_NAMES[shown.platform]}群「{shown.robot}」收到：{shown.title}",
                      expand=False) if shown else "机器人未收到消息"
    # The brand-wide alert of the story's brand is the incident the post-crisis report is about.
    incident = next((alert.id for _, alert in events if alert.kind == "brand" and alert.scope == "全部"), None)
    elapsed = time.monotonic() - began
    simulated = DURATION + LEAD_IN
    lines = [
        sources, brands, alerts, mails, cards, card_view,
        f"模拟了 {simulated.total_seconds() / 3600:.1f} 小时的舆情（另有 {QUIET_DAYS} 天的平静期），"
        f"用时 {elapsed:.0f} 秒。",
        digest_note,
        f"邮件文件夹: {mailbox}",
        *next_steps(settings, settings_path, incident),
    ]
    return Group(*lines)


def next_steps(settings: Settings, settings_path: Path, incident: int | None) -> list[str]:
    """The commands to try after the demo, each as it runs when pasted into the same shell."""
    command = f"{yuqing_command()} --settings {shlex.quote(_shown(settings_path))}"
    return [f"搜索页面:   {command} web    （然后打开 http://{settings.web.host}:{settings.web.port}/，"
            "品牌概览 /overview，预警 /alerts）",
            *([f"复盘报告:   {command} report incident {incident}"] if incident else []),
            f"命令行搜索: {command} search 起火",
            f"运行状况:   {command} status"]


def yuqing_command() -> str:
    """How to run ``yuqing`` from here: ``make demo`` does not put ``.venv/bin`` on the PATH, so plain ``yuqing``
    is "command not found" for a newcomer; the script beside this interpreter (``.venv/bin/yuqing``) is not."""
    script = Path(sys.executable).parent / "yuqing"
    if not script.exists():
        return f"{shlex.quote(sys.executable)} -m yuqing.cli"
    on_path = shutil.which("yuqing")
    if on_path and Path(on_path).resolve() == script.resolve():
        return "yuqing"
    return shlex.quote(_shown(script))


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (shorter to read), else absolute."""
    path = Path(path).absolute()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
