"""Fixtures for the security tests: an in-process app on a fresh seeded database (`seeded_app`), signed-in
clients; `sign_in`, `receivers` and `start_server` come from tests/conftest.py."""
import pytest

from cruddur.db import db
from testkit.app import make_app


@pytest.fixture(scope="session")
def app_factory():
    """app_factory(database_url, **config) -> a Cruddur app on that database, migrated and seeded."""
    return make_app


@pytest.fixture(scope="module")
def seeded_app(new_database_url):
    seeded_app = make_app(new_database_url("sqlite"))
    yield seeded_app
    with seeded_app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(seeded_app):
    return seeded_app.test_client()
