"""Fixtures for the security tests: an in-process app on a fresh seeded database, signed-in
clients; `sign_in`, `receivers` and `start_server` come from tests/conftest.py."""
import pytest
from flask_migrate import upgrade

from cruddur import create_app
from cruddur.db import db
from cruddur.seed import seed_demo_data


def make_app(database_url, **overrides):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False, **overrides})
    with app.app_context():
        upgrade()
        seed_demo_data()
    return app


@pytest.fixture(scope="session")
def app_factory():
    """app_factory(database_url, **config) -> a Cruddur app on that database, migrated and seeded."""
    return make_app


@pytest.fixture(scope="module")
def app(new_database_url):
    app = make_app(new_database_url("sqlite"))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()
