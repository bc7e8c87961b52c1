"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 02:44:15.986061

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_groups')),
    sa.UniqueConstraint('uuid', name=op.f('uq_message_groups_uuid'))
    )
    with op.batch_alter_table('message_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_groups_updated_at'), ['updated_at'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('handle', sa.String(length=30), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('bio', sa.Text(), nullable=True),
    sa.Column('cognito_user_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('cognito_user_id', name=op.f('uq_users_cognito_user_id')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    sa.UniqueConstraint('handle', name=op.f('uq_users_handle')),
    sa.UniqueConstraint('uuid', name=op.f('uq_users_uuid'))
    )
    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=1024), nullable=False),
    sa.Column('likes_count', sa.Integer(), nullable=False),
    sa.Column('replies_count', sa.Integer(), nullable=False),
    sa.Column('reposts_count', sa.Integer(), nullable=False),
    sa.Column('reply_to_activity_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(message) BETWEEN 1 AND 1024', name=op.f('ck_activities_message_length')),
    sa.ForeignKeyConstraint(['reply_to_activity_id'], ['activities.id'], name=op.f('fk_activities_reply_to_activity_id_activities')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activities_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities')),
    sa.UniqueConstraint('uuid', name=op.f('uq_activities_uuid'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index('ix_activities_expires_at', ['expires_at'], unique=False)
        batch_op.create_index('ix_activities_feed', ['reply_to_activity_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_activities_user_feed', ['user_id', 'created_at', 'id'], unique=False)

    op.create_table('message_group_members',
    sa.Column('message_group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['message_group_id'], ['message_groups.id'], name=op.f('fk_message_group_members_message_group_id_message_groups')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_group_members_user_id_users')),
    sa.PrimaryKeyConstraint('message_group_id', 'user_id', name=op.f('pk_message_group_members'))
    )
    with op.batch_alter_table('message_group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_group_members_user_id'), ['user_id'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('message_group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=1024), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(message) BETWEEN 1 AND 1024', name=op.f('ck_messages_message_length')),
    sa.ForeignKeyConstraint(['message_group_id'], ['message_groups.id'], name=op.f('fk_messages_message_group_id_message_groups')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_messages_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('uuid', name=op.f('uq_messages_uuid'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_group_created', ['message_group_id', 'created_at', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_group_created')

    op.drop_table('messages')
    with op.batch_alter_table('message_group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_group_members_user_id'))

    op.drop_table('message_group_members')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index('ix_activities_user_feed')
        batch_op.drop_index('ix_activities_feed')
        batch_op.drop_index('ix_activities_expires_at')

    op.drop_table('activities')
    op.drop_table('users')
    with op.batch_alter_table('message_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_groups_updated_at'))

    op.drop_table('message_groups')
