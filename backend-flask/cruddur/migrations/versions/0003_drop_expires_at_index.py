"""Drop the lone expires_at index: no query needs it, and it lured SQLite's planner into scanning
every live activity (then sorting) to find one page's replies instead of using ix_activities_feed.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities') as batch_op:
        batch_op.drop_index('ix_activities_expires_at')


def downgrade():
    with op.batch_alter_table('activities') as batch_op:
        batch_op.create_index('ix_activities_expires_at', ['expires_at'], unique=False)
