"""search: a stored folded copy of each mention's title and text on PostgreSQL, read by the index and the exact test

Revision ID: 0016_search_folded_column
Revises: 0015_search_fast_fold

Every row a search tests was folded again at query time (``yuqing_fold``: 17 µs of a regular expression over the
traditional characters, where the substring search itself takes under 1 µs), and a page that walks 2,000 rows paid
it 2,000 times. ``search_body`` is a generated column, ``yuqing_fold(title || chr(10) || text)``, so PostgreSQL
folds a row once, when it is written or its text changes, and the gram index is built over it instead of folding
again. Adding it rewrites the table once (about 30 s per million mentions, holding the table meanwhile: upgrade with
the daemon stopped); the index is dropped first and built after, over the stored column. SQLite is untouched.

If ``yuqing_fold`` is ever redefined, a later migration must rewrite this column (``UPDATE mentions SET title =
title`` recomputes it), as it must rebuild an index over an expression.
"""

from alembic import op

from storage.ddl_progress import run_logged

revision = "0016_search_folded_column"
down_revision = "0015_search_fast_fold"
branch_labels = None
depends_on = None

# GIN builds faster the more of the pending keys it can sort in memory; only this migration's session gets it.
BUILD_MEMORY = "SET LOCAL maintenance_work_mem = '256MB'"
# A new expression index has no statistics until the table is analysed, and search chooses its plan from them
# (search/postgres.py): without, it took every word for a rare one and read 青禾's candidates through the index,
# 422 ms where a walk takes 8. ANALYZE samples 30,000 rows, seconds at any size.
STATISTICS = "ANALYZE mentions"


def upgrade() -> None:
    _rebuild("ALTER TABLE mentions ADD COLUMN search_body text "
             "GENERATED ALWAYS AS (yuqing_fold(title || chr(10) || text)) STORED",
             "yuqing_search_grams(search_body)")


def downgrade() -> None:
    _rebuild("ALTER TABLE mentions DROP COLUMN search_body",
             "yuqing_search_grams(yuqing_fold(title || chr(10) || text))")


def _rebuild(column_change: str, grams: str) -> None:
    """Drop the gram index, change the table, build the index over ``grams`` and analyse (PostgreSQL only)."""
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    run_logged(connection, (
        "DROP INDEX IF EXISTS ix_mentions_search_grams",
        column_change,
        BUILD_MEMORY,
        f'CREATE INDEX ix_mentions_search_grams ON mentions USING gin (({grams} COLLATE "C"))',
        STATISTICS,
    ))
