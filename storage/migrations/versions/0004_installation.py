"""installation: a random id per database, for what must differ between installations (Message-IDs)

Revision ID: 0004_installation
Revises: 0001
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004_installation"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "installation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # Drawn here, once per database: a reset database gets a new id, so its first Message-ID is new too.
    op.bulk_insert(table, [{"id": 1, "instance_id": uuid.uuid4().hex, "created_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.drop_table("installation")
