"""Benchmark databases: the demo seed plus 1,000 users and N activities, bulk-loaded once and cached.

A dataset is migrated and seeded with the documented commands (`flask --app app db upgrade`,
`flask --app app seed`), then filled with generated rows: top-level cruds spread over the last
days (a tenth of them expired), and a fifth of N as replies to live cruds that expire with their
parent, with every parent's `replies_count` matching its replies. PostgreSQL is filled with COPY,
SQLite with executemany batches. Loaded databases are kept under CACHE_DIR, keyed by the
migrations and this file, so later runs start at once."""
import hashlib
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, insert, select, func
from tqdm import tqdm

from tests.support.gunicorn import BACKEND, backend_env, flask_command
from tests.support.net import free_port
from tests.support.postgres import PG_BIN, PostgresServer, _as_postgres

sys.path.insert(0, str(BACKEND))
from cruddur.models import Activity, User  # noqa: E402  (the app's own tables and column types)

CACHE_DIR = Path(os.environ.get("CRUDDUR_BENCH_CACHE", "/var/tmp/cruddur-bench"))  # postgres must reach it
CACHE_MAX_AGE = timedelta(days=3)  # live cruds expire 4+ days after loading, so the data holds that long
BENCH_USERS = 1000
REPLY_SHARE = 0.2
EXPIRED_SHARE = 0.1
BATCH = 10_000
SEARCH_TERM = "cloud"
WORDS = ("cloud serverless lambda bucket queue deploy pipeline docker compose flask react honeycomb "
         "xray rollbar logs trace span metric alarm budget region zone cluster pod node gateway cache "
         "index query cursor replica backup restore token secret policy role user crud reply expire "
         "ephemeral tailor prune juice honor centauri ambassador station frontend backend bootcamp week "
         "demo ship launch fix bug test green red coffee tea earl grey hot morning night today "
         "tomorrow later soon never always maybe great fine bad good weird fun").split()


def parse_size(text):
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def size_label(size):
    for unit, scale in (("m", 1_000_000), ("k", 1_000)):
        if size >= scale and size % scale == 0:
            return f"{size // scale}{unit}"
    return str(size)


def schema_key():
    """Changes when a migration or the generator changes, which makes cached databases stale."""
    digest = hashlib.sha256()
    for path in sorted((BACKEND / "migrations" / "versions").glob("*.py")) + [Path(__file__)]:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass
class Dataset:
    database: str  # sqlite or postgresql
    size: int
    url: str
    user_handle: str  # the most active bench user: the user feed's worst case
    search_term: str
    activities: int
    replies: int
    expired: int
    users: int
    loaded_at: str
    load_seconds: float
    cached: bool = False

    @property
    def label(self):
        return f"{self.database} {size_label(self.size)}"


def _rng_uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate(size, first_user_id, first_activity_id, password_hash, now, seed=8):
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
    n_cruds = size - n_replies
    cruds = []
    for _ in range(n_cruds):
        if rng.random() < EXPIRED_SHARE:
            created = now - timedelta(hours=rng.uniform(26, 24 * 7))
            expires = created + timedelta(hours=rng.choice((1, 3, 12, 24)))
        else:
            created = now - timedelta(hours=rng.uniform(0, 72))
            expires = created + timedelta(days=rng.choice((7, 30)))
        cruds.append([created, expires, None])
    live = [c for c in cruds if c[1] > now]
    replies = []
    for _ in range(n_replies):
        parent = rng.choice(live)
        created = parent[0] + (now - parent[0]) * rng.random()
        replies.append([created, parent[1], parent])
    rows = sorted(cruds + replies, key=lambda r: r[0])
    for offset, row in enumerate(rows):
        row.append(first_activity_id + offset)  # row = [created, expires, parent, id]
    counts = {}
    for row in replies:
        counts[row[2][3]] = counts.get(row[2][3], 0) + 1

    authors = rng.choices(user_ids, cum_weights=cum_weights, k=len(rows))
    activities = []
    for row, author in zip(rows, authors):
        created, expires, parent, row_id = row
        activities.append({
            "id": row_id, "uuid": _rng_uuid(rng), "user_id": author,
            "message": " ".join(rng.choices(WORDS, k=rng.randint(4, 24))).capitalize(),
            "likes_count": 0, "replies_count": counts.get(row_id, 0), "reposts_count": 0,
            "reply_to_activity_id": parent[3] if parent else None,
            "created_at": created, "expires_at": expires,
        })
    return users, activities


def _batches(rows, size=BATCH):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def fill(url, size, label):
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
    now = datetime.now(timezone.utc)
    print(f"==> {label}: generating {BENCH_USERS} users and {size:,} activities", flush=True)
    users, activities = generate(size, first_user, first_activity, password_hash, now)
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


def _marker_fresh(marker):
    if not marker.exists():
        return None
    info = json.loads(marker.read_text())
    if datetime.now(timezone.utc) - datetime.fromisoformat(info["loaded_at"]) > CACHE_MAX_AGE:
        return None
    return info


def _dataset(database, size, url, info, cached):
    return Dataset(database=database, size=size, url=url, user_handle="bench0001", search_term=SEARCH_TERM,
                   cached=cached, **info)


def _prune_stale(prefix, key):
    for path in CACHE_DIR.glob(f"{prefix}-*"):
        if key not in path.name:
            print(f"==> removing stale bench cache {path}", flush=True)
            if path.is_dir():
                CachedPostgres.stop_dir(path)
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def sqlite_dataset(size):
    key = schema_key()
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    _prune_stale("sqlite", key)
    path = CACHE_DIR / f"sqlite-{key}-{size_label(size)}.sqlite3"
    marker = path.with_suffix(".json")
    info = _marker_fresh(marker)
    if info and path.exists():
        print(f"==> sqlite {size_label(size)}: cached at {path} (loaded {info['loaded_at']})", flush=True)
        return _dataset("sqlite", size, f"sqlite:///{path}", info, True)
    for stale in CACHE_DIR.glob(path.name + "*"):
        stale.unlink()
    marker.unlink(missing_ok=True)
    info = fill(f"sqlite:///{path}", size, f"sqlite {size_label(size)}")
    marker.write_text(json.dumps(info) + "\n")
    return _dataset("sqlite", size, f"sqlite:///{path}", info, False)


class CachedPostgres(PostgresServer):
    """PostgreSQL 15 on a data directory kept between runs, one database per size."""

    def __init__(self):
        super().__init__()
        shutil.rmtree(self.root, ignore_errors=True)  # the parent made a throwaway dir; keep ours instead
        self.key = schema_key()
        self.root = CACHE_DIR / f"pg-{self.key}"
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.log = self.root / "server.log"

    @staticmethod
    def stop_dir(root):
        if (root / "data" / "postmaster.pid").exists():
            subprocess.run(_as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(root / "data"), "-m", "fast", "-w",
                                        "stop"), capture_output=True)

    def start(self):
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        CACHE_DIR.chmod(0o755)
        _prune_stale("pg", self.key)
        self.stop_dir(self.root)  # a server left running by an interrupted run
        if not (self.data / "PG_VERSION").exists():
            shutil.rmtree(self.root, ignore_errors=True)
            self.root.mkdir(parents=True)
            self.sockets.mkdir()
            if os.geteuid() == 0:
                shutil.chown(self.root, "postgres")
                shutil.chown(self.sockets, "postgres")
            print(f"==> initdb {self.data}", flush=True)
            subprocess.run(_as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                                        "--auth=trust", "-E", "UTF8", "--no-sync"), check=True, capture_output=True)
        self.port = free_port()
        options = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c shared_buffers=512MB -c max_connections=200")
        subprocess.run(_as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                                    "-o", options, "-w", "start"), check=True, capture_output=True)
        self.wait_ready()
        return self

    def dataset(self, size):
        name = f"cruddur_bench_{size_label(size)}"
        marker = self.root / f"{name}.json"
        info = _marker_fresh(marker)
        if info:
            print(f"==> postgresql {size_label(size)}: cached in {self.data} (loaded {info['loaded_at']})", flush=True)
            return _dataset("postgresql", size, self.url(name), info, True)
        marker.unlink(missing_ok=True)
        url = self.create_database(name)
        info = fill(url, size, f"postgresql {size_label(size)}")
        marker.write_text(json.dumps(info) + "\n")
        return _dataset("postgresql", size, url, info, False)


def describe(dataset):
    return {k: v for k, v in asdict(dataset).items() if k != "url"}
