"""Cruddur at volume: the demo seed plus 1,000 users and N generated activities, with conversations,
bulk-loaded into a migrated database. The tests' scale checks (tests/scale/) and the benchmark
(bench/load_data.py) load the same rows.

Top-level cruds are spread over the last days (a tenth of them expired), and a fifth of N are
replies to live cruds that expire with their parent, every parent's `replies_count` matching its
replies. Some messages mention a user (`@bench0042 ...`), as notifications read them. `bench0001` is
the busiest user at every size (its profile, notifications and conversations fill a page): it writes
the newest live cruds, half of the mentions name it, and it talks with every other bench user, each
conversation holding a few messages.
PostgreSQL is filled with COPY, SQLite with executemany batches; PostgreSQL then gets
`VACUUM ANALYZE`, the statistics its planner would have on a database of that age.

The purge benchmark's variant (`purge=True`) has N top-level cruds, half of them expired, and a
fifth of N replies to any of them, so that purging deletes replies too."""
import itertools
import random
import uuid
from datetime import timedelta

import psycopg
from sqlalchemy import create_engine, func, insert, select

from cruddur.models import (
    Activity,
    Message,
    MessageGroup,
    MessageGroupMember,
    MessageGroupPair,
    Notification,
    User,
    fold,
    mentioned_handles,
)

BENCH_USERS = 1000
REPLY_SHARE = 0.2
EXPIRED_SHARE = 0.1
PURGE_EXPIRED_SHARE = 0.5
BATCH = 10_000
SEARCH_TERM = "cloud"
MENTION_SHARE = 0.05  # of activities open with `@bench…`
MESSAGES_EACH = 5  # per conversation of bench0001's
BUSY_CRUDS = 30  # bench0001 writes at least the newest 30 live cruds
WORDS = ["cloud", "serverless", "lambda", "bucket", "queue", "deploy", "pipeline", "docker", "compose", "flask",
         "react", "honeycomb", "xray", "rollbar", "logs", "trace", "span", "metric", "alarm", "budget",
         "region", "zone", "cluster", "pod", "node", "gateway", "cache", "index", "query", "cursor",
         "replica", "backup", "restore", "token", "secret", "policy", "role", "user", "crud", "reply",
         "expire", "ephemeral", "tailor", "prune", "juice", "honor", "centauri", "ambassador", "station",
         "frontend", "backend", "bootcamp", "week", "demo", "ship", "launch", "fix", "bug", "test", "green",
         "red", "coffee", "tea", "earl", "grey", "hot", "morning", "night", "today", "tomorrow", "later",
         "soon", "never", "always", "maybe", "great", "fine", "bad", "good", "weird", "fun"]

def _rng_uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate(size, first_user_id, first_activity_id, password_hash, now, seed=8, purge=False):
    """Users and activities as column dicts, activity ids in created_at order (as inserts would give)."""
    rng = random.Random(seed)
    users = [{
        "id": first_user_id + n, "uuid": _rng_uuid(rng), "handle": f"bench{n + 1:04d}",
        "display_name": f"Bench User {n + 1}", "email": f"bench{n + 1:04d}@bench.cruddur.example",
        "password_hash": password_hash, "bio": None, "cognito_user_id": None,
        "created_at": now - timedelta(days=30),
    } for n in range(BENCH_USERS)]
    # A mild skew: bench0001 posts the most, as some users do.
    cum_weights = list(itertools.accumulate(1 / (rank + 1) ** 0.5 for rank in range(BENCH_USERS)))
    user_ids = [u["id"] for u in users]

    n_replies = round(size * REPLY_SHARE)
    n_cruds = size if purge else size - n_replies
    expired_share = PURGE_EXPIRED_SHARE if purge else EXPIRED_SHARE
    cruds = []
    for _ in range(n_cruds):
        if rng.random() < expired_share:
            created = now - timedelta(hours=rng.uniform(26, 24 * 7))
            expires = created + timedelta(hours=rng.choice((1, 3, 12, 24)))
        else:
            created = now - timedelta(hours=rng.uniform(0, 72))
            expires = created + timedelta(days=rng.choice((7, 30)))
        cruds.append([created, expires, None])
    parents = cruds if purge else [c for c in cruds if c[1] > now]
    replies = []
    for _ in range(n_replies):
        parent = rng.choice(parents)
        created = parent[0] + (min(now, parent[1]) - parent[0]) * rng.random()
        replies.append([created, parent[1], parent])
    rows = sorted(cruds + replies, key=lambda r: r[0])
    for offset, row in enumerate(rows):
        row.append(first_activity_id + offset)  # row = [created, expires, parent, id]
    counts = {}
    for row in replies:
        counts[row[2][3]] = counts.get(row[2][3], 0) + 1

    authors = rng.choices(user_ids, cum_weights=cum_weights, k=len(rows))
    # bench0001's pages are full at every size (at 1k the skew alone gives it a dozen cruds), so
    # that a route costs the same page at every size: it writes the newest BUSY_CRUDS live cruds.
    newest_live = [n for n, row in enumerate(rows) if row[2] is None and row[1] > now][-BUSY_CRUDS:]
    for n in newest_live:
        authors[n] = user_ids[0]
    activities = []
    for row, author in zip(rows, authors, strict=True):
        created, expires, parent, row_id = row
        message = " ".join(rng.choices(WORDS, k=rng.randint(4, 24))).capitalize()
        if rng.random() < MENTION_SHARE:  # half of the mentions name bench0001: a full notifications page
            mentioned = users[0] if rng.random() < 0.5 else users[rng.randrange(BENCH_USERS)]
            message = f"@{mentioned['handle']} {message}"
        activities.append({
            "id": row_id, "uuid": _rng_uuid(rng), "user_id": author,
            "message": message, "message_folded": fold(message),
            "likes_count": 0, "replies_count": counts.get(row_id, 0), "reposts_count": 0,
            "reply_to_activity_id": parent[3] if parent else None,
            "created_at": created, "expires_at": expires,
        })
    return users, activities


def _batches(rows, size=BATCH):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def conversations(users, first_group_id, first_message_id, now, seed=8):
    """`users[0]` talks with each other user: groups, their members and pairs, and MESSAGES_EACH
    messages each, as column dicts."""
    rng = random.Random(seed + 1)
    groups, members, pairs, messages = [], [], [], []
    busy = users[0]
    for n, other in enumerate(users[1:]):
        group_id = first_group_id + n
        started = now - timedelta(hours=rng.uniform(1, 24 * 30))
        sent = sorted(started + timedelta(minutes=rng.uniform(0, 600)) for _ in range(MESSAGES_EACH))
        groups.append({"id": group_id, "uuid": _rng_uuid(rng), "created_at": started, "updated_at": sent[-1]})
        members += [{"message_group_id": group_id, "user_id": u["id"]} for u in (busy, other)]
        low, high = sorted((busy["id"], other["id"]))
        pairs.append({"user_low_id": low, "user_high_id": high, "message_group_id": group_id})
        for at in sent:
            messages.append({"id": first_message_id + len(messages), "uuid": _rng_uuid(rng),
                             "message_group_id": group_id, "user_id": rng.choice((busy, other))["id"],
                             "message": " ".join(rng.choices(WORDS, k=rng.randint(2, 12))), "created_at": at})
    return [(MessageGroup, groups), (MessageGroupMember, members), (MessageGroupPair, pairs), (Message, messages)]


def notifications(users, activities):
    """The notifications rows the app would have written with these activities."""
    by_handle = {u["handle"]: u["id"] for u in users}
    authors = {a["id"]: a["user_id"] for a in activities}
    rows = []
    for a in activities:
        concerned = {by_handle[h] for h in mentioned_handles(a["message"]) if h in by_handle}
        if a["reply_to_activity_id"]:
            concerned.add(authors[a["reply_to_activity_id"]])
        concerned.discard(a["user_id"])
        rows += [{"user_id": u, "activity_id": a["id"], "created_at": a["created_at"]} for u in sorted(concerned)]
    return rows


def _next_id(conn, model):
    return (conn.scalar(select(func.max(model.id))) or 0) + 1


def load(url, size, now, progress=None, purge=False):
    """Bulk-load the generated rows into `url`, a migrated and seeded database; returns a summary.

    `progress(n)` is called after every batch of n rows."""
    progress = progress or (lambda n: None)
    engine = create_engine(url)
    with engine.connect() as conn:
        password_hash = conn.scalar(select(User.password_hash).where(User.handle == "andrewbrown"))
        first_user, first_activity = _next_id(conn, User), _next_id(conn, Activity)
        first_group, first_message = _next_id(conn, MessageGroup), _next_id(conn, Message)
    users, activities = generate(size, first_user, first_activity, password_hash, now, purge=purge)
    tables = [(User, users), (Activity, activities), (Notification, notifications(users, activities)),
              *conversations(users, first_group, first_message, now)]
    if engine.dialect.name == "postgresql":
        _copy_postgres(url, tables, progress)
    else:
        with engine.begin() as conn:
            for model, rows in tables:
                for batch in _batches(rows):
                    conn.execute(insert(model.__table__), batch)
                    progress(len(batch))
    engine.dispose()
    return {
        "activities": len(activities), "replies": sum(1 for a in activities if a["reply_to_activity_id"]),
        "expired": sum(1 for a in activities if a["expires_at"] <= now), "users": len(users),
        "messages": len(tables[-1][1]),
    }


def row_count(size):
    """How many rows `load` writes for `size` activities (for a progress bar's total)."""
    notifications = round(size * (REPLY_SHARE + MENTION_SHARE))
    return BENCH_USERS + size + notifications + (BENCH_USERS - 1) * (3 + 2 + MESSAGES_EACH)


def _copy_postgres(url, tables, progress):
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        for model, rows in tables:
            table = model.__table__.name
            columns = list(rows[0])
            with conn.cursor() as cur:
                for batch in _batches(rows):
                    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in batch:
                            copy.write_row([row[c] for c in columns])
                    progress(len(batch))
                if "id" in columns:
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT max(id) FROM {table}))")
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # what autovacuum would have done on a database of this age

