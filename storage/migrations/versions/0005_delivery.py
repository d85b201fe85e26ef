"""delivery: each outbox row names its channel and, for a robot, its destination

Revision ID: 0005_delivery
Revises: 0002_alerts
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_delivery"
down_revision = "0002_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every row queued before channels existed was an email.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=20), nullable=False, server_default="email"))
        batch.add_column(sa.Column("destination", sa.String(length=100), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("destination")
        batch.drop_column("channel")
