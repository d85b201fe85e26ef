"""foundation: sources and mentions

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('last_run_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('items_last_run', sa.Integer(), nullable=True),
    sa.Column('new_last_run', sa.Integer(), nullable=True),
    sa.Column('blocked_until', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('blocked_reason', sa.Text(), nullable=True),
    sa.Column('blocked_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('mentions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('source_kind', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('raw_html', sa.Text(), nullable=True),
    sa.Column('author', sa.String(length=200), nullable=True),
    sa.Column('author_followers', sa.BigInteger(), nullable=True),
    sa.Column('author_verified', sa.Boolean(), nullable=True),
    sa.Column('is_media', sa.Boolean(), nullable=False),
    sa.Column('region', sa.String(length=20), nullable=True),
    sa.Column('published_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fetched_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('stored_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reposts', sa.BigInteger(), nullable=False),
    sa.Column('comments', sa.BigInteger(), nullable=False),
    sa.Column('likes', sa.BigInteger(), nullable=False),
    sa.Column('rating', sa.Float(), nullable=True),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('brand', sa.String(length=100), nullable=False),
    sa.Column('sentiment', sa.Float(), nullable=False),
    sa.Column('label', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=True),
    sa.Column('grade', sa.String(length=4), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('tokens', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.BigInteger(), nullable=True),
    sa.Column('cluster_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_id', 'external_id', name='uq_mentions_source_external')
    )
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.create_index('ix_mentions_brand_published', ['brand', 'published_at'], unique=False)
        batch_op.create_index('ix_mentions_brand_stored', ['brand', 'stored_at'], unique=False)
        batch_op.create_index('ix_mentions_cluster', ['cluster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentions_published_at'), ['published_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentions_published_at'))
        batch_op.drop_index('ix_mentions_cluster')
        batch_op.drop_index('ix_mentions_brand_stored')
        batch_op.drop_index('ix_mentions_brand_published')

    op.drop_table('mentions')
    op.drop_table('sources')
