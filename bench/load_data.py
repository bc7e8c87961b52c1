"""Benchmark rows: the demo seed plus 1,000 users and N activities, bulk-loaded into a database.

A database is migrated and seeded with the documented commands (`flask --app app db upgrade`,
`flask --app app seed`), then filled with generated rows: top-level cruds spread over the last
days (a tenth of them expired), and a fifth of N as replies to live cruds that expire with their
parent, with every parent's `replies_count` matching its replies. PostgreSQL is filled with COPY,
SQLite with executemany batches. bench/datasets.py keeps loaded databases between runs.

The purge benchmark's variant (`purge=True`) has N top-level cruds, half of them expired, and a
fifth of N replies to any of them, so that purging deletes replies too."""
import itertools
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import create_engine, func, insert, select

from cruddur.models import Activity, User, fold  # the app's own tables and column types
from testkit.gunicorn import backend_env, flask_command

BENCH_USERS = 1000
REPLY_SHARE = 0.2
EXPIRED_SHARE = 0.1
PURGE_EXPIRED_SHARE = 0.5
BATCH = 10_000
SEARCH_TERM = "cloud"
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
    activities = []
    for row, author in zip(rows, authors, strict=True):
        created, expires, parent, row_id = row
        message = " ".join(rng.choices(WORDS, k=rng.randint(4, 24))).capitalize()
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


def fill(url, size, label, purge=False):
    """Migrate and seed `url` with the documented commands, then bulk-load the bench rows."""
    started = time.monotonic()
    env = backend_env(url)
    print(f"==> {label}: migrating and seeding (flask --app app db upgrade; flask --app app seed)", flush=True)
    flask_command(env, "db", "upgrade")
    flask_command(env, "seed")
    engine = create_engine(url)
    with engine.connect() as conn:
        password_hash = conn.scalar(select(User.password_hash).where(User.handle == "andrewbrown"))
        first_user = (conn.scalar(select(func.max(User.id))) or 0) + 1
        first_activity = (conn.scalar(select(func.max(Activity.id))) or 0) + 1
    now = datetime.now(UTC)
    print(f"==> {label}: generating {BENCH_USERS} users and {size:,} activities", flush=True)
    users, activities = generate(size, first_user, first_activity, password_hash, now, purge=purge)
    from tqdm import tqdm  # a bench tool (bench/requirements.txt): the report code imports this module without it

    with tqdm(total=len(users) + len(activities), desc=f"{label} rows", unit="row", unit_scale=True,
              mininterval=1.0) as bar:
        if engine.dialect.name == "postgresql":
            _copy_postgres(url, [(User, users), (Activity, activities)], bar)
        else:
            with engine.begin() as conn:
                for model, rows in ((User, users), (Activity, activities)):
                    for batch in _batches(rows):
                        conn.execute(insert(model.__table__), batch)
                        bar.update(len(batch))
    engine.dispose()
    return {
        "activities": len(activities), "replies": sum(1 for a in activities if a["reply_to_activity_id"]),
        "expired": sum(1 for a in activities if a["expires_at"] <= now), "users": len(users),
        "loaded_at": now.isoformat(), "load_seconds": round(time.monotonic() - started, 1),
    }


def _copy_postgres(url, tables, bar):
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
                    bar.update(len(batch))
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        bar.set_postfix_str("VACUUM ANALYZE")
        conn.execute("VACUUM ANALYZE")  # what autovacuum would have done on a database of this age

