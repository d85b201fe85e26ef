"""search: n-gram index of mention titles and texts (SQLite FTS5, PostgreSQL GIN), filled from stored rows

Revision ID: 0003_search
Revises: 0001
"""

from alembic import op

from search import index

revision = "0003_search"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    index.create(op.get_bind())


def downgrade() -> None:
    index.drop(op.get_bind())
