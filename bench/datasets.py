"""Benchmark datasets, loaded once (bench/load_data.py) and cached under CACHE_DIR.

A cached database is keyed by the migrations and the loader, and is used for CACHE_MAX_AGE: a
SQLite file per size, and one PostgreSQL 15 data directory with a database per size."""
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import load_data
from testkit import volume
from testkit.gunicorn import BACKEND
from testkit.net import free_port
from testkit.postgres import PG_BIN, PostgresServer, _as_postgres

CACHE_DIR = Path(os.environ.get("CRUDDUR_BENCH_CACHE", "/var/tmp/cruddur-bench"))  # postgres must reach it
CACHE_MAX_AGE = timedelta(days=3)  # live cruds expire 4+ days after loading, so the data holds that long


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
    sources = [Path(load_data.__file__), Path(volume.__file__)]
    for path in [*sorted((BACKEND / "cruddur" / "migrations" / "versions").glob("*.py")), *sources]:
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
    messages: int
    loaded_at: str
    load_seconds: float
    cached: bool = False

    @property
    def label(self):
        return f"{self.database} {size_label(self.size)}"


def _marker_fresh(marker):
    if not marker.exists():
        return None
    info = json.loads(marker.read_text())
    if datetime.now(UTC) - datetime.fromisoformat(info["loaded_at"]) > CACHE_MAX_AGE:
        return None
    return info


def _dataset(database, size, url, info, cached):
    return Dataset(database=database, size=size, url=url, user_handle="bench0001", search_term=load_data.SEARCH_TERM,
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


def sqlite_dataset(size, purge=False):
    """`purge`: the purge benchmark's variant (half the cruds expired), kept as a pristine copy."""
    key = schema_key()
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    _prune_stale("sqlite", key)
    path = CACHE_DIR / f"sqlite-{key}-{'purge-' if purge else ''}{size_label(size)}.sqlite3"
    marker = path.with_suffix(".json")
    info = _marker_fresh(marker)
    if info and path.exists():
        print(f"==> sqlite {size_label(size)}: cached at {path} (loaded {info['loaded_at']})", flush=True)
        return _dataset("sqlite", size, f"sqlite:///{path}", info, True)
    for stale in CACHE_DIR.glob(path.name + "*"):
        stale.unlink()
    marker.unlink(missing_ok=True)
    info = load_data.fill(f"sqlite:///{path}", size, f"sqlite {size_label(size)}", purge=purge)
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

    def dataset(self, size, purge=False):
        name = f"cruddur_bench_{'purge_' if purge else ''}{size_label(size)}"
        marker = self.root / f"{name}.json"
        info = _marker_fresh(marker)
        if info:
            print(f"==> postgresql {size_label(size)}: cached in {self.data} (loaded {info['loaded_at']})", flush=True)
            return _dataset("postgresql", size, self.url(name), info, True)
        marker.unlink(missing_ok=True)
        url = self.create_database(name)
        info = load_data.fill(url, size, f"postgresql {size_label(size)}", purge=purge)
        marker.write_text(json.dumps(info) + "\n")
        return _dataset("postgresql", size, url, info, False)


def describe(dataset):
    return {k: v for k, v in asdict(dataset).items() if k != "url"}
