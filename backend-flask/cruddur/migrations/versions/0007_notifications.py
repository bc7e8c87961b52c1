"""Notifications as rows: one per activity and user it concerns (a reply to their crud, a mention of
their handle), so that a user's notifications are read from one index range, newest first, instead
of a scan of every live activity. Existing replies and mentions are written once here.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

from cruddur.db import UTCDateTime
from cruddur.models import mentioned_handles

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    op.create_table(
        'notifications',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id'],
                                name=op.f('fk_notifications_activity_id_activities')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
        sa.PrimaryKeyConstraint('user_id', 'activity_id', name=op.f('pk_notifications')),
    )
    op.create_index('ix_notifications_activity_id', 'notifications', ['activity_id'])
    op.create_index('ix_notifications_user_created', 'notifications', ['user_id', 'created_at', 'activity_id'])
    bind = op.get_bind()
    # Replies to someone else's crud.
    bind.exec_driver_sql(
        "INSERT INTO notifications (user_id, activity_id, created_at) "
        "SELECT parent.user_id, reply.id, reply.created_at FROM activities reply "
        "JOIN activities parent ON parent.id = reply.reply_to_activity_id WHERE parent.user_id <> reply.user_id")
    # Mentions, read in batches by key.
    users = dict(bind.exec_driver_sql("SELECT handle, id FROM users").all())
    notifications = sa.table('notifications', sa.column('user_id'), sa.column('activity_id'),
                             sa.column('created_at', UTCDateTime()))
    after = 0
    activities = sa.table('activities', sa.column('id'), sa.column('user_id'), sa.column('message'),
                          sa.column('created_at', UTCDateTime()))
    while rows := bind.execute(
            sa.select(activities).where(activities.c.id > after, activities.c.message.like('%@%'))
            .order_by(activities.c.id).limit(BATCH)).all():
        after = rows[-1].id
        new = []
        for row in rows:
            for handle in mentioned_handles(row.message):
                user_id = users.get(handle)
                if user_id is not None and user_id != row.user_id:
                    new.append((user_id, row.id, row.created_at))
        if new:
            exists = {(u, a) for u, a in bind.execute(sa.select(notifications.c.user_id, notifications.c.activity_id)
                      .where(notifications.c.activity_id.in_([a for _, a, _ in new])))}
            rows_to_add = [{"user_id": u, "activity_id": a, "created_at": c} for u, a, c in new if (u, a) not in exists]
            if rows_to_add:
                bind.execute(notifications.insert(), rows_to_add)


def downgrade():
    op.drop_index('ix_notifications_user_created', table_name='notifications')
    op.drop_index('ix_notifications_activity_id', table_name='notifications')
    op.drop_table('notifications')
