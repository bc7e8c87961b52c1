"""Indexes that keep the feeds flat as data grows: a partial index giving the home feed its order
(top-level cruds by time, read backwards), an index giving search its order, a partial index
that counts a user's live cruds, and on PostgreSQL a trigram index for search.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TOP_LEVEL = sa.text("reply_to_activity_id IS NULL")


def upgrade():
    op.create_index('ix_activities_home', 'activities', ['created_at', 'id'],
                    postgresql_where=TOP_LEVEL, sqlite_where=TOP_LEVEL)
    op.create_index('ix_activities_created', 'activities', ['created_at', 'id'])
    op.create_index('ix_activities_user_cruds', 'activities', ['user_id', 'expires_at'],
                    postgresql_where=TOP_LEVEL, sqlite_where=TOP_LEVEL)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.create_index('ix_activities_message_trgm', 'activities', ['message'],
                        postgresql_using='gin', postgresql_ops={'message': 'gin_trgm_ops'})


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_activities_message_trgm', table_name='activities')
    op.drop_index('ix_activities_user_cruds', table_name='activities')
    op.drop_index('ix_activities_created', table_name='activities')
    op.drop_index('ix_activities_home', table_name='activities')
