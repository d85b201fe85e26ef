"""official: mentions posted by a brand's own accounts ([[brands]] official_accounts)

Revision ID: 0004_official
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_official"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A server default fills the rows already stored: what was crawled before the key existed stays public voice.
    # A plain ADD COLUMN, never batch mode: on SQLite batch mode rebuilds the table, which drops the search
    # index's triggers on ``mentions`` (migration 0003) whenever this branch happens to run after that one.
    op.add_column("mentions", sa.Column("official", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("mentions") as batch:
        batch.drop_column("official")
