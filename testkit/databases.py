"""The test run's databases: fresh ones of either kind, and a fast way to bring a fresh one to the state
the documented set-up leaves it in.

`flask --app app db upgrade` and `flask --app app seed` run once per run (per pytest-xdist worker) and
kind, into a template database; every later database that needs the same state is a copy of it:
PostgreSQL's `CREATE DATABASE … TEMPLATE`, a file copy for SQLite. The tests that prove the commands
themselves still run them on a fresh database."""
import shutil
import sqlite3
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from .gunicorn import backend_env, flask_command

SQLITE = "sqlite:///"


def kind_of(url):
    return "sqlite" if url.startswith(SQLITE) else "postgresql"


class Databases:
    def __init__(self, sqlite_dir, postgres):
        """`sqlite_dir()` makes a new folder for SQLite files; `postgres()` gives the run's PostgreSQL
        server (started on first use)."""
        self._sqlite_dir = sqlite_dir
        self._postgres = postgres
        self._names = iter(range(1_000_000))
        self._templates = {}

    def new(self, kind):
        """A fresh, empty database of `kind` ("sqlite" or "postgresql"), as a SQLAlchemy URL."""
        name = f"cruddur_{next(self._names)}"
        if kind == "sqlite":
            return f"{SQLITE}{self._sqlite_dir() / (name + '.sqlite3')}"
        return self._postgres().create_database(name)

    def prepare(self, url, seed=True):
        """Bring the database at `url` to what `db upgrade` (then `seed`, unless `seed=False`) leaves.
        An empty database becomes a copy of the template; one that holds anything gets the commands
        themselves, which leave a migrated (or seeded) database as it is."""
        if not self._ours(url) or not self._is_empty(url):
            return _set_up(url, seed)
        template = self._template(kind_of(url), seed)
        if kind_of(url) == "sqlite":
            shutil.copyfile(_sqlite_path(template), _sqlite_path(url))
        else:
            name = make_url(url).database
            with psycopg.connect(self._postgres().dsn("postgres"), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template).database}"')
        return url

    def _template(self, kind, seed):
        key = (kind, seed)
        if key not in self._templates:
            self._templates[key] = _set_up(self.new(kind), seed)
        return self._templates[key]

    def _ours(self, url):
        """Whether `url` is a SQLite file or a database on the run's PostgreSQL (where the template is)."""
        return kind_of(url) == "sqlite" or make_url(url).port == self._postgres().port

    def _is_empty(self, url):
        if kind_of(url) == "sqlite":
            path = _sqlite_path(url)
            if not path.exists() or path.stat().st_size == 0:
                return True
            with sqlite3.connect(path) as conn:
                tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            conn.close()
            return tables == 0
        with psycopg.connect(self._postgres().dsn(make_url(url).database)) as conn:
            return conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0


def _set_up(url, seed):
    """The documented set-up, as a user runs it."""
    env = backend_env(url)
    flask_command(env, "db", "upgrade")
    if seed:
        flask_command(env, "seed")
    return url


def _sqlite_path(url):
    return Path(url.removeprefix(SQLITE))
