"""Purge tests: databases migrated and seeded (`seeded_database_url`: copies of the run's template, which the
documented commands made), rows added straight into the tables, and `flask --app app purge-expired` run as a
real subprocess."""
import itertools
import json
import re
import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, insert, select, text

from cruddur.models import Activity, Message, User
from testkit.gunicorn import BACKEND, BIN

ACTIVITIES = Activity.__table__
SUMMARY = re.compile(r"^purge-expired: deleted (?P<tables>.*?) \((?P<cruds>\d+) cruds, (?P<replies>\d+) replies\)")


@pytest.fixture
def engine_for():
    engines = []

    def make(url):
        engine = create_engine(url)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


def add_tree(conn, expires_in, replies=(), now=None, message="purge test crud", user_id=None):
    """A top-level crud expiring `expires_in` from now, with replies: each entry of `replies` is the
    number of replies to that reply (0 for none). Returns the ids, the crud first."""
    now = now or datetime.now(UTC)
    user_id = user_id or conn.scalar(select(User.id).order_by(User.id).limit(1))
    expires = now + expires_in
    created = min(now, expires) - timedelta(hours=1)

    def row(parent_id, text_, replies_count):
        return conn.execute(insert(ACTIVITIES).values(
            uuid=str(uuid.uuid4()), user_id=user_id, message=text_, likes_count=0, reposts_count=0,
            replies_count=replies_count, reply_to_activity_id=parent_id, created_at=created,
            expires_at=expires)).inserted_primary_key[0]

    root = row(None, message, len(replies))
    ids = [root]
    for nested in replies:
        reply = row(root, "a reply", nested)
        ids.append(reply)
        ids += [row(reply, "a reply to a reply", 0) for _ in range(nested)]
    return ids


def add_many(conn, count, expires_in, replies_each=1, spread=False):
    """`count` cruds with `replies_each` replies, in bulk, by the first user (or, with `spread`,
    by every user in turn); returns the number of rows added."""
    now = datetime.now(UTC)
    users = itertools.cycle(conn.scalars(select(User.id).order_by(User.id).limit(None if spread else 1)).all())
    first = (conn.scalar(select(func.max(ACTIVITIES.c.id))) or 0) + 1
    ids = itertools.count(first)
    rows = []
    for n in range(count):
        root = next(ids)
        common = dict(user_id=next(users), likes_count=0, reposts_count=0, created_at=now - timedelta(hours=2),
                      expires_at=now + expires_in)
        rows.append(dict(id=root, uuid=str(uuid.uuid4()), message=f"bulk crud {n}", replies_count=replies_each,
                         reply_to_activity_id=None, **common))
        rows += [dict(id=next(ids), uuid=str(uuid.uuid4()), message=f"bulk reply {n}", replies_count=0,
                      reply_to_activity_id=root, **common) for _ in range(replies_each)]
    for start in range(0, len(rows), 5000):
        conn.execute(insert(ACTIVITIES), rows[start:start + 5000])
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT setval(pg_get_serial_sequence('activities', 'id'), "
                          "(SELECT max(id) FROM activities))"))
    return len(rows)


def snapshot(engine):
    """Every activity as {uuid: (parent id, replies_count)}, and the number of messages."""
    with engine.connect() as conn:
        rows = conn.execute(select(ACTIVITIES.c.id, ACTIVITIES.c.uuid, ACTIVITIES.c.reply_to_activity_id,
                                   ACTIVITIES.c.replies_count)).all()
        messages = conn.scalar(select(func.count()).select_from(Message.__table__))
    return {r.id: (r.uuid, r.reply_to_activity_id, r.replies_count) for r in rows}, messages


def purge_command(env, *args, timeout=180, check=True):
    result = subprocess.run([str(BIN / "flask"), "--app", "app", "purge-expired", *args], cwd=BACKEND, env=env,
                            capture_output=True, text=True, timeout=timeout)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def summary(stdout):
    """The summary line's counts: {"activities": n, ..., "cruds": n, "replies": n}."""
    [line] = [line for line in stdout.splitlines() if SUMMARY.match(line)]
    match = SUMMARY.match(line)
    counts = {k: int(v) for k, v in (part.split("=") for part in match["tables"].split(", "))}
    return {**counts, "cruds": int(match["cruds"]), "replies": int(match["replies"])}


def log_lines(stdout, message):
    lines = []
    for line in stdout.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("message") == message:
                lines.append(record)
    return lines
