"""search: index the folded text (traditional characters simplified), so 品质 finds 品質

Revision ID: 0014_search_fold
Revises: 0003_search
"""

from alembic import op

from search import index

revision = "0014_search_fold"
down_revision = "0003_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    index.fold_existing(op.get_bind())


def downgrade() -> None:
    index.drop(op.get_bind())
    index.create(op.get_bind())
