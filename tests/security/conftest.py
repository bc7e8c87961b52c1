"""Fixtures for the security tests: an in-process app on a fresh seeded database, signed-in
clients, and real gunicorn servers (with or without the local telemetry receivers)."""
import pytest
from flask_migrate import upgrade

from cruddur import create_app
from cruddur.db import db
from cruddur.seed import DEMO_PASSWORD, seed_demo_data
from tests.support.gunicorn import Gunicorn, flask_command
from tests.support.receivers import MotoServer, OTLPReceiver, RollbarReceiver, XRayReceiver


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


class Api:
    """One user (or nobody) talking JSON to Cruddur through a Flask test client."""

    def __init__(self, client, token=None):
        self.client = client
        self.token = token

    def headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path, **kw):
        return self.client.get(path, headers=self.headers(), **kw)

    def post(self, path, body=None, **kw):
        return self.client.post(path, json=body, headers=self.headers(), **kw)


@pytest.fixture
def sign_in(client):
    def as_user(login, password=DEMO_PASSWORD):
        response = client.post("/api/auth/signin", json={"login": login, "password": password})
        assert response.status_code == 200, response.get_json()
        return Api(client, response.get_json()["access_token"])

    return as_user


@pytest.fixture(scope="module")
def receivers():
    started = {"otlp": OTLPReceiver().start(), "xray": XRayReceiver().start(),
               "rollbar": RollbarReceiver().start(), "moto": MotoServer().start()}
    yield started
    for receiver in started.values():
        receiver.stop()


@pytest.fixture(scope="module")
def start_server(tmp_path_factory):
    """start(env, workers=2) -> a migrated, seeded gunicorn on 127.0.0.1, stopped by PID afterwards."""
    servers = []

    def start(env, workers=2):
        flask_command(env, "db", "upgrade")
        flask_command(env, "seed")
        log = tmp_path_factory.mktemp("gunicorn") / "server.log"
        server = Gunicorn(env, workers=workers, log_path=log).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
