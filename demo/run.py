"""``yuqing demo``: the demo sites on loopback, the pipeline run against them, and a summary of what was stored."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from demo.content import quiet_posts
from demo.server import DemoServer
from demo.world import World

TEMPLATE = Path(__file__).with_name("settings.demo.toml")


def write_settings(workdir: Path, base_url: str) -> Path:
    path = workdir / "settings.toml"
    text = TEMPLATE.read_text(encoding="utf-8")
    path.write_text(text.replace("{base_url}", base_url).replace("{workdir}", workdir.as_posix()),
                    encoding="utf-8")
    return path


def crawl_all(settings_path: Path, console: Console) -> dict[str, str]:
    """Each crawl in its own process, as the scheduler runs them; returns each source's one-line outcome."""
    from yuqing.config import load_settings

    outcomes = {}
    for source in load_settings(settings_path).sources:
        done = subprocess.run(
            [sys.executable, "-m", "yuqing.cli", "--settings", str(settings_path), "crawl", source.name],
            capture_output=True, text=True, check=False,
        )
        line = (done.stdout.strip().splitlines() or [f"exit {done.returncode}: {done.stderr.strip()[-300:]}"])[0]
        outcomes[source.name] = line
        console.print(f"  {line}")
    return outcomes


def summary(settings_path: Path) -> Table:
    from sqlalchemy import func, select

    from storage.db import Database
    from storage.models import Mention
    from yuqing.config import load_settings

    settings = load_settings(settings_path)
    database = Database(settings.storage.url)
    table = Table(title="入库的提及 (mentions stored per brand)")
    for column in ("品牌 brand", "总数 total", "负面 negative", "中性 neutral", "正面 positive", "平均情感 mean"):
        table.add_column(column)
    with database.session() as session:
        rows = session.execute(
            select(Mention.brand, Mention.label, func.count(), func.avg(Mention.sentiment))
            .group_by(Mention.brand, Mention.label)
        ).all()
    per_brand: dict[str, dict[str, tuple[int, float]]] = {}
    for brand, label, count, mean in rows:
        per_brand.setdefault(brand, {})[label] = (count, mean)
    for brand, labels in sorted(per_brand.items()):
        total = sum(count for count, _ in labels.values())
        mean = sum(count * m for count, m in labels.values()) / total
        table.add_row(brand, str(total), *(str(labels.get(k, (0, 0))[0]) for k in ("negative", "neutral", "positive")),
                      f"{mean:.2f}")
    database.dispose()
    return table


def run_demo(workdir: str) -> int:
    console = Console()
    root = Path(workdir).resolve()
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    with DemoServer(World(quiet_posts(datetime.now(UTC)))) as server:
        settings_path = write_settings(root, server.url)
        console.print(f"[bold]演示站点[/bold] {server.url}  工作目录 {root}")
        console.print("[bold]第一次抓取 (first crawl)[/bold]")
        crawl_all(settings_path, console)
        console.print("[bold]再次抓取：不应产生重复 (second crawl: no duplicates)[/bold]")
        crawl_all(settings_path, console)
    console.print(summary(settings_path))
    console.print(f"搜索: yuqing --settings {settings_path} search 青禾")
    return 0
