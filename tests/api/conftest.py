"""In-process API tests: one app per database, migrated with Alembic, reseeded before each test."""
import pytest
from sqlalchemy import text

from cruddur.db import db
from cruddur.seed import seed_demo_data
from testkit.app import make_app
from testkit.client import Api

TABLES = ("notifications", "messages", "message_group_members", "message_group_pairs", "message_groups", "activities",
          "users")


@pytest.fixture(scope="session")
def api_app(database_url):
    api_app = make_app(database_url, seed=False)  # `demo_data` seeds before each test
    yield api_app
    with api_app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def demo_data(api_app):
    with api_app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in TABLES:
                db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
        seed_demo_data()
        yield
        db.session.remove()


@pytest.fixture
def client(api_app):
    return api_app.test_client()


@pytest.fixture
def anon(client):
    return Api(client)


@pytest.fixture
def andrew(sign_in):
    return sign_in("andrewbrown")


@pytest.fixture
def expire(api_app):
    """Move an activity's expiry into the past, as time passing would."""
    def move(activity_uuid):
        with api_app.app_context():
            db.session.execute(text("UPDATE activities SET expires_at = :past WHERE uuid = :uuid"),
                               {"past": "2000-01-01 00:00:00+00:00" if db.engine.dialect.name == "postgresql"
                                else "2000-01-01 00:00:00.000000", "uuid": activity_uuid})
            db.session.commit()

    return move
