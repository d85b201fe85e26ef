"""dead letters: mentions that reached the store step and could not be stored, with the reason

Revision ID: 0004_dead_letters
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004_dead_letters"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("item", sa.JSON(), nullable=False),
        sa.Column("origin", sa.Text(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dead_letters_source", "dead_letters", ["source"])


def downgrade() -> None:
    op.drop_index("ix_dead_letters_source", table_name="dead_letters")
    op.drop_table("dead_letters")
