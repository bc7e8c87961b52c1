"""Cruddur at volume, loaded once per test run: a PostgreSQL database and a SQLite file for each
size, migrated and seeded, then filled by testkit/volume.py (the benchmark's rows). PostgreSQL gets
`VACUUM ANALYZE`, so its planner decides from the statistics a real database has. The databases
are read-only templates: a test that writes clones one (`clone`)."""
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from cruddur.db import db
from testkit import volume
from testkit.app import make_app

# Activities per size: a fifth are replies, so "100k" holds 100,000 cruds and 25,000 replies.
SIZES = {"1k": 1_000, "100k": 125_000}


@dataclass
class Loaded:
    kind: str
    size: str
    url: str


@pytest.fixture(scope="session")
def loaded(tmp_path_factory, request):
    """loaded(kind, size) -> the Loaded database, built on first use and kept for the session."""
    cache = {}

    def get(kind, size):
        if (kind, size) not in cache:
            if kind == "postgresql":
                url = request.getfixturevalue("postgres").create_database(f"cruddur_volume_{size}")
            else:
                url = f"sqlite:///{tmp_path_factory.mktemp('volume') / f'{size}.sqlite3'}"
            app = make_app(url)  # migrated with Alembic and seeded: the demo users sign in as usual
            with app.app_context():
                db.engine.dispose()
            volume.load(url, SIZES[size], datetime.now(UTC))
            cache[kind, size] = Loaded(kind, size, url)
        return cache[kind, size]

    return get


@pytest.fixture
def clone(request, tmp_path):
    """clone(loaded) -> the URL of a fresh copy, for a test that writes (CREATE DATABASE … TEMPLATE
    on PostgreSQL, a file copy on SQLite)."""
    counter = iter(range(100))

    def make(source):
        name = f"{source.kind}_{source.size}_{next(counter)}"
        if source.kind == "postgresql":
            return request.getfixturevalue("postgres").create_database(name, template=source.url.rsplit("/", 1)[1])
        path = tmp_path / f"{name}.sqlite3"
        shutil.copyfile(source.url.removeprefix("sqlite:///"), path)
        return f"sqlite:///{path}"

    return make
