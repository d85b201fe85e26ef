"""search: index the folded text (traditional characters simplified), so 品质 finds 品質

Revision ID: 0014_search_fold
Revises: 0013_search_grams_fast

Self-contained like 0003: the fold table is drawn here from OpenCC's t2s, as ``search/fold.py`` draws it (one
traditional character to one simplified character, Latin lower-cased), and written into PostgreSQL as the SQL
function ``yuqing_fold``; SQLite's n-gram index is rebuilt from the folded text of every stored mention.
"""

import opencc
import sqlalchemy as sa
from alembic import op

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


def _refill_sqlite(connection, traditional: str, simplified: str, batch: int = 20_000) -> None:
    table = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    table.update(zip(map(ord, traditional), simplified, strict=True))
    key = ("((max(0, CAST(strftime('%s', published_at) AS INTEGER)) << 31) | (id & 2147483647))")
    connection.exec_driver_sql("INSERT INTO mentions_fts (mentions_fts) VALUES ('delete-all')")
    connection.exec_driver_sql("DELETE FROM search_pending")
    connection.exec_driver_sql(
        f"INSERT INTO search_pending (mention_id, indexed) SELECT id, 0 FROM mentions WHERE id > {_ID_MASK}")
    last = 0
    while rows := connection.exec_driver_sql(
            f"SELECT id, title, text, {key} FROM mentions WHERE id > {last} AND id <= {_ID_MASK} "
            f"ORDER BY id LIMIT {batch}").all():
        connection.execute(sa.text("INSERT INTO mentions_fts (rowid, grams) VALUES (:key, :grams)"),
                           [{"key": k, "grams": _grams(f"{title or ''}\n{body or ''}", table)}
                            for _, title, body, k in rows])
        last = rows[-1][0]


def upgrade() -> None:
    connection = op.get_bind()
    traditional, simplified = _pairs()
    if connection.dialect.name == "sqlite":
        _refill_sqlite(connection, traditional, simplified)
        return
    for statement in (
        f"""CREATE FUNCTION yuqing_fold(body text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
            SELECT translate(lower(body), '{traditional}', '{simplified}')
        $$""",
        "DROP INDEX IF EXISTS ix_mentions_search_grams",
        "CREATE INDEX ix_mentions_search_grams ON mentions "
        "USING gin (yuqing_search_grams(yuqing_fold(title || chr(10) || text)))",
    ):
        connection.exec_driver_sql(statement)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        _refill_sqlite(connection, "", "")
        return
    for statement in (
        "DROP INDEX IF EXISTS ix_mentions_search_grams",
        "DROP FUNCTION IF EXISTS yuqing_fold(text)",
        "CREATE INDEX ix_mentions_search_grams ON mentions "
        "USING gin (yuqing_search_grams(title || chr(10) || text))",
    ):
        connection.exec_driver_sql(statement)
