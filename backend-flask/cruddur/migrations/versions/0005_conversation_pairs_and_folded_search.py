"""One conversation per pair of users, held by the database; search over a case-folded message.

- `message_group_pairs` maps the ordered pair (user_low_id < user_high_id) to its conversation,
  with the pair as primary key. Duplicate conversations that races made before are merged first:
  the oldest group of a pair keeps every message of the pair, takes the latest `updated_at`, and the
  others are deleted.
- `activities.message_folded` is `fold(message)` (NFC, then Unicode case folding), written by the
  app; existing rows are backfilled here in batches. On PostgreSQL the trigram index moves from
  `message` to it. SQLite cannot drop a column default without rebuilding the table, so there the
  column keeps an empty-string default that the app never relies on.

Revision ID: 0005
Revises: 0004
"""
import unicodedata
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

BATCH = 5000


def fold(text):  # the same as cruddur.models.fold, frozen here as this revision's definition
    return unicodedata.normalize("NFC", text).casefold()


def _merge_duplicate_conversations(conn):
    members = conn.execute(sa.text(
        "SELECT message_group_id, min(user_id), max(user_id), count(*) FROM message_group_members "
        "GROUP BY message_group_id")).all()
    by_pair = defaultdict(list)
    for group_id, low, high, count in members:
        if count == 2 and low != high:
            by_pair[(low, high)].append(group_id)
    pairs = []
    for (low, high), group_ids in by_pair.items():
        keeper, *duplicates = sorted(group_ids)
        pairs.append({"low": low, "high": high, "group": keeper})
        if not duplicates:
            continue
        ids = {"keeper": keeper}
        marks = []
        for n, duplicate in enumerate(duplicates):
            ids[f"d{n}"] = duplicate
            marks.append(f":d{n}")
        inside = ", ".join(marks)
        conn.execute(sa.text(
            "UPDATE message_groups SET updated_at = (SELECT max(updated_at) FROM message_groups "
            f"WHERE id = :keeper OR id IN ({inside})) WHERE id = :keeper"), ids)
        conn.execute(sa.text(f"UPDATE messages SET message_group_id = :keeper WHERE message_group_id IN ({inside})"),
                     ids)
        conn.execute(sa.text(f"DELETE FROM message_group_members WHERE message_group_id IN ({inside})"), ids)
        conn.execute(sa.text(f"DELETE FROM message_groups WHERE id IN ({inside})"), ids)
    return pairs


def _backfill_folded(conn):
    last = 0
    while True:
        rows = conn.execute(sa.text("SELECT id, message FROM activities WHERE id > :last ORDER BY id LIMIT :n"),
                            {"last": last, "n": BATCH}).all()
        if not rows:
            return
        conn.execute(sa.text("UPDATE activities SET message_folded = :folded WHERE id = :id"),
                     [{"id": row_id, "folded": fold(message)} for row_id, message in rows])
        last = rows[-1][0]


def upgrade():
    conn = op.get_bind()
    postgresql = conn.dialect.name == 'postgresql'

    op.create_table(
        'message_group_pairs',
        sa.Column('user_low_id', sa.Integer(), nullable=False),
        sa.Column('user_high_id', sa.Integer(), nullable=False),
        sa.Column('message_group_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('user_low_id < user_high_id', name=op.f('ck_message_group_pairs_ordered')),
        sa.ForeignKeyConstraint(['user_low_id'], ['users.id'], name=op.f('fk_message_group_pairs_user_low_id_users')),
        sa.ForeignKeyConstraint(['user_high_id'], ['users.id'],
                                name=op.f('fk_message_group_pairs_user_high_id_users')),
        sa.ForeignKeyConstraint(['message_group_id'], ['message_groups.id'],
                                name=op.f('fk_message_group_pairs_message_group_id_message_groups')),
        sa.PrimaryKeyConstraint('user_low_id', 'user_high_id', name=op.f('pk_message_group_pairs')),
        sa.UniqueConstraint('message_group_id', name=op.f('uq_message_group_pairs_message_group_id')),
    )
    op.create_index(op.f('ix_message_group_pairs_user_high_id'), 'message_group_pairs', ['user_high_id'])
    pairs = _merge_duplicate_conversations(conn)
    if pairs:
        conn.execute(sa.text("INSERT INTO message_group_pairs (user_low_id, user_high_id, message_group_id) "
                             "VALUES (:low, :high, :group)"), pairs)

    # NOT NULL from the start, with a constant default (instant on both databases), then backfilled.
    op.add_column('activities', sa.Column('message_folded', sa.Text(), nullable=False, server_default=''))
    _backfill_folded(conn)
    if postgresql:
        op.alter_column('activities', 'message_folded', server_default=None)
        op.drop_index('ix_activities_message_trgm', table_name='activities')
        op.create_index('ix_activities_message_folded_trgm', 'activities', ['message_folded'],
                        postgresql_using='gin', postgresql_ops={'message_folded': 'gin_trgm_ops'})


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        op.drop_index('ix_activities_message_folded_trgm', table_name='activities')
        op.create_index('ix_activities_message_trgm', 'activities', ['message'],
                        postgresql_using='gin', postgresql_ops={'message': 'gin_trgm_ops'})
    op.drop_column('activities', 'message_folded')  # SQLite 3.35+ drops a plain column in place
    op.drop_index(op.f('ix_message_group_pairs_user_high_id'), table_name='message_group_pairs')
    op.drop_table('message_group_pairs')
