"""Shared fixtures: a real PostgreSQL server for the session, and one Cruddur app per database."""
import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend-flask"))
sys.path.insert(0, str(ROOT))

# The suite sets every signal itself: nothing from the caller's shell leaks in.
# CRUDDUR_SCREENSHOT is the tests' own: where tests/e2e writes the README's screenshot.
for _name in list(os.environ):
    if _name.startswith(("OTEL_", "AWS_", "ROLLBAR_", "CLOUDWATCH_", "CRUDDUR_", "HONEYCOMB_")) \
            and _name != "CRUDDUR_SCREENSHOT":
        del os.environ[_name]
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="cruddur-test-home-")
os.environ["SECRET_KEY"] = "test-secret-key-for-cruddur-tests"
os.environ["FRONTEND_URL"] = "http://127.0.0.1:3000"
from tests.support.gunicorn import TEST_LIMITS  # noqa: E402

os.environ.update(TEST_LIMITS)

from cruddur.seed import DEMO_PASSWORD  # noqa: E402
from tests.support.client import Api  # noqa: E402
from tests.support.gunicorn import Gunicorn, flask_command  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402
from tests.support.receivers import MotoServer, OTLPReceiver, RollbarReceiver, XRayReceiver  # noqa: E402
from tests.support.sockets import pytest_sessionfinish  # noqa: E402,F401  (fails a run that leaves a socket open)

DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres():
    server = PostgresServer().start()
    server.wait_ready()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def new_database_url(tmp_path_factory, request):
    """A factory: a fresh, empty database of the given kind, as a SQLAlchemy URL."""
    counter = iter(range(10_000))

    def make(kind):
        name = f"cruddur_{next(counter)}"
        if kind == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / (name + '.sqlite3')}"
        return request.getfixturevalue("postgres").create_database(name)

    return make


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, new_database_url):
    return new_database_url(request.param)


@pytest.fixture(scope="module", params=DATABASES)
def module_database_url(request, new_database_url):
    """A fresh database of each kind for one test module (for modules that run their own server)."""
    return new_database_url(request.param)


@pytest.fixture(scope="module")
def start_server(tmp_path_factory):
    """Start a gunicorn the documented way (upgrade, seed, serve); all are stopped with the module."""
    servers = []

    def start(env, seed=True, workers=2):
        flask_command(env, "db", "upgrade")
        if seed:
            flask_command(env, "seed")
        log = tmp_path_factory.mktemp("gunicorn") / "server.log"
        server = Gunicorn(env, workers=workers, log_path=log).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def receivers():
    """Local stand-ins for the four telemetry backends, reading what arrives on the wire."""
    started = {"otlp": OTLPReceiver().start(), "xray": XRayReceiver().start(),
               "rollbar": RollbarReceiver().start(), "moto": MotoServer().start()}
    yield started
    for receiver in started.values():
        receiver.stop()


@pytest.fixture
def sign_in(client):
    """sign_in(login, password) -> an Api signed in through the nearest `client` fixture."""
    def as_user(login, password=DEMO_PASSWORD):
        response = client.post("/api/auth/signin", json={"login": login, "password": password})
        assert response.status_code == 200, response.get_json()
        return Api(client, response.get_json()["access_token"])

    return as_user
