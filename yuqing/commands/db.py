"""``db upgrade``: bring the database to the current schema."""

from __future__ import annotations


def register(commands) -> None:
    db = commands.add_parser("db", help="数据库维护 (database maintenance)")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_commands.add_parser("upgrade", help="把数据库升级到最新结构 (apply migrations)")
    upgrade.set_defaults(handler=db_upgrade)


def db_upgrade(args, context) -> int:
    _ = context.db  # building the database runs the migrations
    from sqlalchemy import make_url

    # The URL may come from url_env with a password in it: never print that.
    shown = make_url(context.settings.storage.database_url).render_as_string(hide_password=True)
    print(f"database is up to date: {shown}")
    return 0
