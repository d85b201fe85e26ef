"""Hostile input, class "crawled page" as the terminal shows it, and the commands the demo tells a newcomer to run.

Issue 14 items 3 (a title with ESC sequences recoloured the terminal and set its title: every command that prints
crawled text shows control characters as visible escapes) and 18 (the demo's closing hints work as printed).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import update

from storage.models import Mention, Source
from tests.hostile import ESC_TITLE, NOW, store_posts
from yuqing.cli import main
from yuqing.terminal import printable

# What must never reach a terminal from crawled text: ESC (CSI, OSC), BEL, the 8-bit CSI, bidi overrides.
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e", "\x00")
HOSTILE_ERROR = "\x1b]0;pwned\x07\x1b[31m[bold red]站点崩溃[/bold red]\u202e"


@pytest.fixture
def settings_path(write_settings, sqlite_database):
    store_posts(sqlite_database)
    with sqlite_database.session() as session:
        session.execute(update(Source).where(Source.name == "bbs")
                        .values(last_error=HOSTILE_ERROR, failures=2, last_run_at=NOW))
    sources = ('\n[[sources]]\nname = "bbs"\nkind = "forum"\nspider = "discuz"\nbase_url = "http://127.0.0.1:9"\n'
               'forums = ["2"]\n')
    return str(write_settings(sources, url=sqlite_database.url))


def assert_safe(output: str) -> None:
    for control in RAW_CONTROLS:
        assert control not in output, repr(control)


@pytest.mark.parametrize("colour", [False, True])
def test_search_lines_show_escape_sequences_instead_of_obeying_them(settings_path, capsys, monkeypatch, colour):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: colour)
    assert main(["--settings", settings_path, "search", "爆炸"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "爆炸" in line)
    assert "\\x1b]0;pwned\\x07" in line and "\\u202egnp.exe" in line and "\\x9b31m" in line
    if colour:  # our highlight is the only escape sequence left
        assert line.replace("\x1b[1;33m", "").replace("\x1b[0m", "").count("\x1b") == 0
    else:
        assert_safe(out)


@pytest.mark.parametrize("command", [["sources"], ["status"]])
def test_tables_show_a_crawled_error_as_typed_without_its_escapes_or_markup(settings_path, capsys, command,
                                                                           monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # rich wraps cells to the terminal's width
    assert main(["--settings", settings_path, *command]) == 0
    out = capsys.readouterr().out
    assert_safe(out)
    assert "[bold red]站点崩溃[/bold red]" in out  # rich markup in crawled text is text, not styling


def test_the_digest_as_text_shows_no_raw_control_characters(settings_path, capsys):
    day = (NOW - timedelta(hours=1)).astimezone().date()
    assert main(["--settings", settings_path, "digest", "--print", "--date", day.isoformat()]) == 0
    out = capsys.readouterr().out
    assert_safe(out)


def test_printable_keeps_text_and_writes_out_controls():
    assert printable("青禾 OK") == "青禾 OK"
    assert printable("a\tb\nc\r\nd\u2028e") == "a b c  d e"
    assert printable("a\tb\nc", lines=True) == "a\tb\nc"
    assert printable(ESC_TITLE).startswith("\\x1b]0;pwned\\x07\\x1b[2J")
    assert printable("\x00\x7f\u200f\u2066") == "\\x00\\x7f\\u200f\\u2066"
    assert printable(None) == ""


def test_a_crawled_title_stays_stored_as_it_came(sqlite_database):
    """Escaping is for the terminal only: search results (and the JSON API) keep the text as crawled."""
    store_posts(sqlite_database)
    with sqlite_database.session() as session:
        assert session.query(Mention).filter(Mention.title == ESC_TITLE).count() == 1


# ---- the demo's closing hints ------------------------------------------------------------------------------

def test_the_demo_hints_run_as_printed_without_the_venv_on_path(write_settings, sqlite_database):
    from yuqing.config import load_settings
    from yuqing.demo import next_steps

    store_posts(sqlite_database)
    path = write_settings(url=sqlite_database.url)
    hints = next_steps(load_settings(path), path, incident=None)
    commands = {label.strip(): command for label, _, command in (hint.partition(": ") for hint in hints)}
    path_without_venv = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                        if not p.startswith(sys.prefix))
    for label in ("命令行搜索", "运行状况"):
        command = commands[label]
        assert not command.startswith("yuqing ") or _yuqing_on(path_without_venv)
        done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PATH": path_without_venv})
        assert done.returncode == 0, (command, done.stderr)
    assert "起火" in commands["命令行搜索"]


def _yuqing_on(path: str) -> bool:
    import shutil

    return shutil.which("yuqing", path=path) is not None
