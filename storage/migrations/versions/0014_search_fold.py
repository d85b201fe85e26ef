"""search: index the folded text (traditional characters simplified), so 品质 finds 品質

Revision ID: 0014_search_fold
Revises: 0013_search_grams_fast

Self-contained like 0003: the fold table is drawn here from OpenCC's t2s, as ``search/fold.py`` draws it (one
traditional character to one simplified character, Latin lower-cased), and written into PostgreSQL as the SQL
function ``yuqing_fold``. On SQLite only a mention holding a traditional character has other grams once folded,
so only those are re-indexed (a pass over a million mentions reads them all and re-indexes a few per cent).
"""

import logging
import re
import time

import opencc
import sqlalchemy as sa
from alembic import op

log = logging.getLogger("yuqing.migrations")

revision = "0014_search_fold"
down_revision = "0013_search_grams_fast"
branch_labels = None
depends_on = None

_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))
_ID_MASK = 2147483647


def _pairs() -> tuple[str, str]:
    characters = [chr(code) for start, end in _BLOCKS for code in range(start, end)]
    converted = opencc.OpenCC("t2s").convert("\n".join(characters)).split("\n")
    pairs = [(t, s) for t, s in zip(characters, converted, strict=True) if t != s and len(s) == 1]
    return "".join(t for t, _ in pairs), "".join(s for _, s in pairs)


def _grams(text: str, table: dict[int, str]) -> str:
    """Each run of word characters of the folded text: its bigrams and its last character (as 0003 indexes)."""
    grams: set[str] = set()
    runs, current = [], []
    for char in text.translate(table):
        if char >= "\x80" or char.isalnum():
            current.append(char)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    for run in runs:
        grams.update(run[i:i + 2] for i in range(len(run) - 1))
        grams.add(run[-1])
    return " ".join(sorted(grams))


def _table(traditional: str, simplified: str) -> dict[int, str]:
    table = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    table.update(zip(map(ord, traditional), simplified, strict=True))
    return table


def _regram_sqlite(connection, traditional: str, old: dict[int, str], new: dict[int, str],
                   batch: int = 20_000) -> None:
    """Re-index the mentions whose grams differ between the ``old`` and ``new`` fold tables: those holding a
    traditional character. The others' entries are already right, and re-indexing all of them was most of the
    time ``db upgrade`` took on a large database."""
    marker = re.compile(f"[{re.escape(traditional)}]")
    _unpend(connection, marker, old)
    key = "((max(0, CAST(strftime('%s', published_at) AS INTEGER)) << 31) | (id & 2147483647))"
    total = connection.exec_driver_sql("SELECT count(*) FROM mentions").scalar_one()
    last = done = changed = 0
    started = time.monotonic()
    while rows := connection.exec_driver_sql(
            f"SELECT id, title, text, {key} FROM mentions WHERE id > {last} AND id <= {_ID_MASK} "
            f"AND id NOT IN (SELECT mention_id FROM search_pending) ORDER BY id LIMIT {batch}").all():
        stale = [(k, f"{title or ''}\n{body or ''}") for _, title, body, k in rows
                 if marker.search(title or "") or marker.search(body or "")]
        _replace(connection, [(k, _grams(body, old)) for k, body in stale],
                 [(k, _grams(body, new)) for k, body in stale])
        last, done, changed = rows[-1][0], done + len(rows), changed + len(stale)
        # A million stored mentions take a minute or more: say how far it is, so `db upgrade` does not look hung.
        log.info("search index (folding): %s of %s mentions read, %s re-indexed (%.0fs)", f"{done:,}",
                 f"{total:,}", f"{changed:,}", time.monotonic() - started)


def _unpend(connection, marker: re.Pattern[str], old: dict[int, str]) -> None:
    """An edited or deleted mention still waiting for the index keeps the text its entry was made from, and the
    next sync deletes that entry with the new grams: remove those made with the old grams now instead."""
    pending = connection.exec_driver_sql(
        "SELECT mention_id, indexed_key, indexed_title, indexed_text FROM search_pending WHERE indexed = 1").all()
    stale = [(mention_id, k, f"{title or ''}\n{body or ''}") for mention_id, k, title, body in pending
             if marker.search(title or "") or marker.search(body or "")]
    if not stale:
        return
    _replace(connection, [(k, _grams(body, old)) for _, k, body in stale], [])
    connection.execute(sa.text("UPDATE search_pending SET indexed = 0 WHERE mention_id = :id"),
                       [{"id": mention_id} for mention_id, _, _ in stale])


def _replace(connection, deletes: list[tuple[int, str]], inserts: list[tuple[int, str]]) -> None:
    if deletes:
        connection.execute(sa.text("INSERT INTO mentions_fts (mentions_fts, rowid, grams) "
                                   "VALUES ('delete', :key, :grams)"), [{"key": k, "grams": g} for k, g in deletes])
    if inserts:
        connection.execute(sa.text("INSERT INTO mentions_fts (rowid, grams) VALUES (:key, :grams)"),
                           [{"key": k, "grams": g} for k, g in inserts])


def upgrade() -> None:
    connection = op.get_bind()
    traditional, simplified = _pairs()
    if connection.dialect.name == "sqlite":
        _regram_sqlite(connection, traditional, _table("", ""), _table(traditional, simplified))
        return
    for statement in (
        f"""CREATE FUNCTION yuqing_fold(body text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
            SELECT translate(lower(body), '{traditional}', '{simplified}')
        $$""",
        # The index over the folded text is built by 0015, which makes the fold itself cheap first.
        "DROP INDEX IF EXISTS ix_mentions_search_grams",
    ):
        connection.exec_driver_sql(statement)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        traditional, simplified = _pairs()
        _regram_sqlite(connection, traditional, _table(traditional, simplified), _table("", ""))
        return
    for statement in (
        "DROP INDEX IF EXISTS ix_mentions_search_grams",
        "DROP FUNCTION IF EXISTS yuqing_fold(text)",
        "CREATE INDEX ix_mentions_search_grams ON mentions "
        "USING gin (yuqing_search_grams(title || chr(10) || text))",
    ):
        connection.exec_driver_sql(statement)
