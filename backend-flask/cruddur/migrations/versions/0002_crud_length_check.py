"""A top-level crud is at most 280 characters, enforced by the database too.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

CONDITION = "reply_to_activity_id IS NOT NULL OR length(message) <= 280"


def upgrade():
    with op.batch_alter_table('activities') as batch_op:
        batch_op.create_check_constraint('crud_length', CONDITION)


def downgrade():
    with op.batch_alter_table('activities') as batch_op:
        batch_op.drop_constraint(op.f('ck_activities_crud_length'), type_='check')
