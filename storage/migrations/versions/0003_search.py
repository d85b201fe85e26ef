"""search: n-gram index of mention titles and texts (SQLite FTS5, PostgreSQL GIN), filled from stored rows

Revision ID: 0003_search
Revises: 0001

The DDL is written out here as it was at this revision, not imported from ``search.index``: a migration must
create the same schema whatever the search code looks like later (``search/index.py`` explains the design).
"""

import logging
import re
import string
import time

import sqlalchemy as sa
from alembic import op

log = logging.getLogger("yuqing.migrations")

revision = "0003_search"
down_revision = "0001"
branch_labels = None
depends_on = None


def _key(row: str) -> str:
    """The FTS rowid: the publication second shifted left over the mention id (31 bits), newest first."""
    return (f"((max(0, CAST(strftime('%s', {row}.published_at) AS INTEGER)) << 31) "
            f"| ({row}.id & 2147483647))")


SQLITE = (
    "CREATE VIRTUAL TABLE mentions_fts USING fts5("
    "grams, content='', detail='none', columnsize=0, prefix='1', tokenize='ascii')",
    """CREATE TABLE search_pending (
        mention_id INTEGER PRIMARY KEY,
        indexed INTEGER NOT NULL,
        indexed_key INTEGER,
        indexed_title TEXT,
        indexed_text TEXT)""",
    """CREATE TRIGGER mentions_search_insert AFTER INSERT ON mentions BEGIN
        INSERT OR IGNORE INTO search_pending (mention_id, indexed) VALUES (new.id, 0);
    END""",
    f"""CREATE TRIGGER mentions_search_update AFTER UPDATE OF title, text, published_at ON mentions
    WHEN old.title IS NOT new.title OR old.text IS NOT new.text
        OR old.published_at IS NOT new.published_at BEGIN
        INSERT OR IGNORE INTO search_pending VALUES
            (old.id, 1, {_key('old')}, old.title, old.text);
    END""",
    f"""CREATE TRIGGER mentions_search_delete AFTER DELETE ON mentions BEGIN
        INSERT OR IGNORE INTO search_pending VALUES
            (old.id, 1, {_key('old')}, old.title, old.text);
    END""",
)

SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS mentions_search_delete",
    "DROP TRIGGER IF EXISTS mentions_search_update",
    "DROP TRIGGER IF EXISTS mentions_search_insert",
    "DROP TABLE IF EXISTS search_pending",
    "DROP TABLE IF EXISTS mentions_fts",
)

POSTGRES = (
    """CREATE FUNCTION yuqing_search_grams(body text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
        SELECT coalesce(array_agg(DISTINCT gram), '{}') FROM (
            SELECT substr(lowered, i, 1) AS gram FROM (SELECT lower(body) AS lowered) l,
                   generate_series(1, length(lowered)) AS i
            UNION ALL
            SELECT substr(lowered, i, 2) FROM (SELECT lower(body) AS lowered) l,
                   generate_series(1, length(lowered) - 1) AS i
        ) grams
    $$""",
    """CREATE FUNCTION yuqing_search_word_grams(word text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT CASE WHEN length(lower(word)) < 2 THEN ARRAY[lower(word)]
               ELSE ARRAY(SELECT DISTINCT substr(lower(word), i, 2)
                          FROM generate_series(1, length(lower(word)) - 1) AS i) END
    $$""",
)
# The GIN index over these grams is built by 0015_search_fast_fold, once: 0014 changed its expression, and an index
# built here would be dropped again in the same `db upgrade` (on a million mentions, the most of an hour).

POSTGRES_DROP = (
    "DROP INDEX IF EXISTS ix_mentions_search_grams",
    "DROP FUNCTION IF EXISTS yuqing_search_word_grams(text)",
    "DROP FUNCTION IF EXISTS yuqing_search_grams(text)",
)


# Word characters: ASCII letters and digits, and every non-ASCII character. A regular expression and str.__add__
# over two slices find the runs and their pairs in C, a third of the time of a loop over the characters.
_WORD_RUN = re.compile("[0-9A-Za-z\x80-\U0010ffff]+")
_LATIN_LOWER = {ord(c): c.lower() for c in string.ascii_uppercase}


def _word_runs(value: str) -> list[str]:
    """Maximal runs of word characters, Latin lower-cased."""
    return _WORD_RUN.findall(value.translate(_LATIN_LOWER))


def _grams(title: str | None, body: str | None) -> str:
    """Each run's bigrams and its last character: the tokens of one mention in the index."""
    grams: set[str] = set()
    for run in _word_runs(f"{title or ''}\n{body or ''}"):
        grams.update(map(str.__add__, run[:-1], run[1:]))
        grams.add(run[-1])
    return " ".join(sorted(grams))


def _fill_sqlite(connection, batch: int = 20_000) -> None:
    """Index the mentions stored before this revision; an id beyond the key's 31 bits stays pending for good
    (searches read pending mentions directly)."""
    connection.exec_driver_sql(
        "INSERT INTO search_pending (mention_id, indexed) SELECT id, 0 FROM mentions WHERE id > 2147483647")
    total = connection.exec_driver_sql("SELECT count(*) FROM mentions").scalar_one()
    last = done = 0
    started = time.monotonic()
    while rows := connection.exec_driver_sql(
            f"SELECT id, title, text, {_key('mentions')} FROM mentions "
            f"WHERE id > {last} AND id <= 2147483647 ORDER BY id LIMIT {batch}").all():
        connection.execute(sa.text("INSERT INTO mentions_fts (rowid, grams) VALUES (:key, :grams)"),
                           [{"key": key, "grams": _grams(title, body)} for _, title, body, key in rows])
        last, done = rows[-1][0], done + len(rows)
        # A million stored mentions take minutes: say how far it is, so `db upgrade` does not look hung.
        log.info("search index: %s of %s mentions (%.0fs)", f"{done:,}", f"{total:,}", time.monotonic() - started)


def _run(sqlite_statements: tuple[str, ...], postgres_statements: tuple[str, ...]) -> None:
    connection = op.get_bind()
    # Raw driver SQL, as written: no bind-parameter parsing of the colons and percent signs in the DDL.
    for statement in sqlite_statements if connection.dialect.name == "sqlite" else postgres_statements:
        connection.exec_driver_sql(statement)


def upgrade() -> None:
    _run(SQLITE, POSTGRES)
    if op.get_bind().dialect.name == "sqlite":
        _fill_sqlite(op.get_bind())


def downgrade() -> None:
    _run(SQLITE_DROP, POSTGRES_DROP)
