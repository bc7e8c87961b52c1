"""What purge-expired needs: an index that hands it the expired top-level cruds oldest expiry
first, and on SQLite incremental auto-vacuum, so the pages a purge frees go back to the file
system in short steps instead of one exclusive VACUUM per purge.

The index is partial (top-level cruds only), so the replies-of-a-page query, which once chose a
plain expires_at index over ix_activities_feed (see 0003), cannot use it at all.

SQLite only switches auto-vacuum on at a VACUUM: instant on the empty file `db upgrade` starts
from, one rewrite of an existing file (it takes an exclusive lock, so stop serving first).

Revision ID: 0006
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = "0005"
branch_labels = None
depends_on = None

TOP_LEVEL = sa.text("reply_to_activity_id IS NULL")
INCREMENTAL = 2  # PRAGMA auto_vacuum's value for INCREMENTAL


def upgrade():
    op.create_index('ix_activities_expiry', 'activities', ['expires_at'],
                    postgresql_where=TOP_LEVEL, sqlite_where=TOP_LEVEL)
    if op.get_bind().dialect.name == 'sqlite' and op.get_bind().exec_driver_sql(
            'PRAGMA auto_vacuum').scalar() != INCREMENTAL:
        with op.get_context().autocommit_block():  # VACUUM cannot run inside a transaction
            op.execute('PRAGMA auto_vacuum = INCREMENTAL')
            op.execute('VACUUM')


def downgrade():
    op.drop_index('ix_activities_expiry', table_name='activities')
