"""Shared fixtures: a real PostgreSQL server for the session, and one Cruddur app per database."""
import os
import shutil
import tempfile

import pytest

from testkit.gunicorn import TEST_LIMITS, without_settings

# The suite sets every signal itself: nothing from the caller's shell leaks in.
# CRUDDUR_SCREENSHOT is the tests' own: where tests/e2e writes the home page's screenshot.
_kept = without_settings(os.environ)
for _name in list(os.environ):
    if _name not in _kept and _name != "CRUDDUR_SCREENSHOT":
        del os.environ[_name]
_HOME = os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="cruddur-test-home-")
os.environ["SECRET_KEY"] = "test-secret-key-for-cruddur-tests"
os.environ["FRONTEND_URL"] = "http://127.0.0.1:3000"
os.environ.update(TEST_LIMITS)

# Imported once the environment above is in place.
from testkit.auth import DEMO_PASSWORD  # noqa: E402
from testkit.auth import sign_in as sign_in_with  # noqa: E402
from testkit.client import Api  # noqa: E402
from testkit.gunicorn import Gunicorn, flask_command  # noqa: E402
from testkit.postgres import PostgresServer  # noqa: E402
from testkit.receivers import MotoServer, OTLPReceiver, RollbarReceiver, XRayReceiver  # noqa: E402
from testkit.sockets import pytest_sessionfinish  # noqa: E402,F401  (fails a run that leaves a socket open)

DATABASES = ["sqlite", "postgresql"]


def pytest_unconfigure(config):
    shutil.rmtree(_HOME, ignore_errors=True)


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
        return Api(client, sign_in_with(login, password, http=client))

    return as_user
