"""``yuqing``: the command line. Each command group lives in ``yuqing/commands/<group>.py`` and registers itself.

Errors the user can fix are one line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from yuqing.config import Settings, SettingsError, load_settings

COMMAND_MODULES = ("db", "crawl", "parse", "import_", "nlp", "alerts", "report", "search", "digest", "web", "run",
                   "demo")

EXIT_USAGE = 2
EXIT_DATABASE = 1
DATABASE_MUST_EXIST = "YUQING_DATABASE_MUST_EXIST"


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit status 1 (or ``status``)."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


class Context:
    """What a command needs, built on first use so ``--help`` and ``parse`` never touch settings or the database."""

    def __init__(self, settings_path: str) -> None:
        self.settings_path = settings_path

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.settings_path)

    @cached_property
    def db(self):
        settings = self.settings
        from storage.db import Database, UnsupportedDatabase

        try:
            # A crawl started by the daemon must not create a new database where the daemon's vanished.
            database = Database(settings.storage.database_url, create=not os.environ.get(DATABASE_MUST_EXIST))
        except UnsupportedDatabase as exc:
            key = "storage.url_env" if settings.storage.url_env else "storage.url"
            raise SettingsError(f"{self.settings_path}: {key}: {exc}") from None
        database.upgrade()
        return database


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yuqing",
        description="yuqing 舆情监测: 采集品牌提及、分析情感、在投诉升级为危机时预警。",
    )
    parser.add_argument(
        "--settings",
        default=os.environ.get("YUQING_SETTINGS", "settings.toml"),
        help="settings file (default: $YUQING_SETTINGS, else ./settings.toml)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"yuqing.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"yuqing.commands.{name}":
                raise
            continue
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Migrations log every step at INFO; the user wants to hear only when something is wrong.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    context = Context(args.settings)
    try:
        return int(args.handler(args, context) or 0)
    except SettingsError as exc:
        print(f"yuqing: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UserError as exc:
        print(f"yuqing: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except Exception as exc:
        # Imported only now: `yuqing parse` and --help never load the database layer.
        from storage.db import database_problem

        problem = database_problem(exc, _storage_url(context))
        if problem is None:
            raise
        logging.getLogger("yuqing").debug("database problem", exc_info=True)
        print(f"yuqing: {problem}", file=sys.stderr)
        return EXIT_DATABASE


def _storage_url(context: Context) -> str | None:
    settings = context.__dict__.get("settings")  # only if it was loaded: a broken file must not raise here
    return settings.storage.database_url if settings is not None else None


def settings_dir(context: Context) -> Path:
    return Path(context.settings_path).resolve().parent


if __name__ == "__main__":
    # Run as ``python -m yuqing.cli`` this file is ``__main__``; the commands raise ``yuqing.cli.UserError``,
    # so the one ``main`` must come from the real module for its except clauses to catch them.
    from yuqing.cli import main as real_main

    sys.exit(real_main())
