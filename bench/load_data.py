"""Benchmark rows: a database migrated and seeded with the documented commands (`flask --app app db
upgrade`, `flask --app app seed`), then filled with the generated rows of testkit/volume.py (the
tests' scale checks load the same). bench/datasets.py keeps loaded databases between runs."""
import time
from datetime import UTC, datetime

from testkit.gunicorn import backend_env, flask_command
from testkit.volume import BENCH_USERS, SEARCH_TERM, load, row_count

__all__ = ["SEARCH_TERM", "fill"]


def fill(url, size, label, purge=False):
    """Migrate and seed `url` with the documented commands, then bulk-load the bench rows."""
    started = time.monotonic()
    env = backend_env(url)
    print(f"==> {label}: migrating and seeding (flask --app app db upgrade; flask --app app seed)", flush=True)
    flask_command(env, "db", "upgrade")
    flask_command(env, "seed")
    now = datetime.now(UTC)
    print(f"==> {label}: generating and loading {BENCH_USERS} users and {size:,} activities", flush=True)
    from tqdm import tqdm  # a bench tool (bench/requirements.txt): the report code imports this module without it

    with tqdm(total=row_count(size), desc=f"{label} rows", unit="row", unit_scale=True, mininterval=1.0) as bar:
        info = load(url, size, now, progress=bar.update, purge=purge)
    return {**info, "loaded_at": now.isoformat(), "load_seconds": round(time.monotonic() - started, 1)}
