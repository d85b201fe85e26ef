"""search: PostgreSQL's fold without a 4,221-character translate per row; the gram index compared bytewise

Revision ID: 0015_search_fast_fold
Revises: 0014_search_fold

``yuqing_fold`` as 0014 wrote it is ``translate(lower(body), traditional, simplified)``, and translate looks every
character up in the whole table: 3.3 ms for a post of 80 characters, paid by every row an index build or a search's
recheck reads (a million rows took most of an hour to index). Most posts hold no traditional character at all; one
regular expression finds that out, and a post that does hold some is translated with only its own traditional
characters. The result is the same string for every input, so nothing indexed with 0014's function goes stale.

The gram index is rebuilt with its keys compared bytewise (``COLLATE "C"``): GIN sorts every row's keys, and under a
database's linguistic collation each comparison is a ``strcoll`` call, slower the richer the locale. Equality of
grams, all the index is asked, is the same under every collation. Self-contained like 0014 (the table is drawn
from OpenCC's t2s here); SQLite is untouched.
"""

import opencc
from alembic import op

from storage.ddl_progress import run_logged

revision = "0015_search_fast_fold"
down_revision = "0014_search_fold"
branch_labels = None
depends_on = None

_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


def _pairs() -> tuple[str, str]:
    characters = [chr(code) for start, end in _BLOCKS for code in range(start, end)]
    converted = opencc.OpenCC("t2s").convert("\n".join(characters)).split("\n")
    pairs = [(t, s) for t, s in zip(characters, converted, strict=True) if t != s and len(s) == 1]
    return "".join(t for t, _ in pairs), "".join(s for _, s in pairs)


def _fast_fold(traditional: str, simplified: str) -> str:
    # lower() never makes or changes a CJK character, so the traditional characters of body are those of
    # lower(body); repeating one in translate's lists is harmless, each copy maps to the same character.
    found = f"regexp_replace(body, '[^{traditional}]', '', 'g')"
    # Not STRICT (a NULL gives NULL all the same): PostgreSQL inlines a SQL function into the query only when a
    # strict one's body is strict too, and a CASE is not; called instead of inlined, it costs 5x as much per row.
    return f"""CREATE OR REPLACE FUNCTION yuqing_fold(body text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE WHEN body ~ '[{traditional}]'
                        THEN translate(lower(body), {found}, translate({found}, '{traditional}', '{simplified}'))
                        ELSE lower(body) END
        $$"""


def _slow_fold(traditional: str, simplified: str) -> str:
    return f"""CREATE OR REPLACE FUNCTION yuqing_fold(body text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
            SELECT translate(lower(body), '{traditional}', '{simplified}')
        $$"""


def _index(collation: str) -> tuple[str, str]:
    return ("DROP INDEX IF EXISTS ix_mentions_search_grams",
            "CREATE INDEX ix_mentions_search_grams ON mentions "
            f"USING gin ((yuqing_search_grams(yuqing_fold(title || chr(10) || text)){collation}))")


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    connection.exec_driver_sql(_fast_fold(*_pairs()))
    run_logged(connection, _index(' COLLATE "C"'))


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    connection.exec_driver_sql(_slow_fold(*_pairs()))
    run_logged(connection, _index(""))
