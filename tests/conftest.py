"""Shared fixtures: a real PostgreSQL server for the session, and one Cruddur app per database."""
import os
import shutil
import tempfile

import pytest
from playwright.sync_api import sync_playwright

from testkit.gunicorn import TEST_LIMITS, without_settings

# The suite sets every signal itself: nothing from the caller's shell leaks in, except the test
# harness's own variables: where tests/e2e writes the home page's screenshot, and compose-up's
# engine state, image cache and image mode (docs/compose-up.md). The servers the tests start never
# see these (testkit.gunicorn.backend_env drops every CRUDDUR_ variable).
HARNESS_VARIABLES = ("CRUDDUR_SCREENSHOT", "CRUDDUR_COMPOSE_UP_STATE", "CRUDDUR_COMPOSE_UP_CACHE",
                     "CRUDDUR_COMPOSE_UP_IMAGES")
_kept = without_settings(os.environ)
for _name in list(os.environ):
    if _name not in _kept and _name not in HARNESS_VARIABLES:
        del os.environ[_name]
_HOME = os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="cruddur-test-home-")
os.environ["SECRET_KEY"] = "test-secret-key-for-cruddur-tests"
os.environ["FRONTEND_URL"] = "http://127.0.0.1:3000"
os.environ.update(TEST_LIMITS)

# Imported once the environment above is in place.
from testkit.auth import DEMO_PASSWORD  # noqa: E402
from testkit.auth import sign_in as sign_in_with  # noqa: E402
from testkit.client import Api  # noqa: E402
from testkit.databases import Databases  # noqa: E402
from testkit.gunicorn import Gunicorn  # noqa: E402
from testkit.postgres import PostgresServer  # noqa: E402
from testkit.receivers import MotoServer, OTLPReceiver, RollbarReceiver, XRayReceiver  # noqa: E402
from testkit.sockets import pytest_sessionfinish, pytest_testnodedown  # noqa: E402,F401  (fails a run that leaves a socket open)
from testkit.workers import (  # noqa: E402,F401  (bin/test's workers)
    pytest_collection_modifyitems,
    pytest_configure_node,
    pytest_xdist_make_scheduler,
)

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
def databases(tmp_path_factory, request):
    """The run's databases (testkit/databases.py): fresh ones, and copies of the migrated and seeded template."""
    return Databases(lambda: tmp_path_factory.mktemp("sqlite"), lambda: request.getfixturevalue("postgres"))


@pytest.fixture(scope="session")
def new_database_url(databases):
    """A factory: a fresh, empty database of the given kind, as a SQLAlchemy URL."""
    return databases.new


@pytest.fixture(scope="session")
def seeded_database_url(databases):
    """A factory: a fresh database of the given kind holding what `flask --app app db upgrade` and `flask
    --app app seed` leave (`seed=False`: the first only)."""
    def make(kind, seed=True):
        return databases.prepare(databases.new(kind), seed=seed)

    return make


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, new_database_url):
    return new_database_url(request.param)


@pytest.fixture(scope="module", params=DATABASES)
def module_database_url(request, new_database_url):
    """A fresh database of each kind for one test module (for modules that run their own server)."""
    return new_database_url(request.param)


@pytest.fixture(scope="module")
def start_server(tmp_path_factory, databases):
    """Start a gunicorn on a migrated (and seeded) database; all are stopped with the module. An empty
    database becomes a copy of the run's template, which the documented commands made."""
    servers = []

    def start(env, seed=True, workers=2):
        databases.prepare(env["DATABASE_URL"], seed=seed)
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


@pytest.fixture(scope="session")
def playwright():
    """Playwright's driver, one per process: its sync API runs an event loop, and a second one started
    while the first is open (e2e's browser and compose-up's, on one worker) would refuse to start."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def sign_in(client):
    """sign_in(login, password) -> an Api signed in through the nearest `client` fixture."""
    def as_user(login, password=DEMO_PASSWORD):
        return Api(client, sign_in_with(login, password, http=client))

    return as_user
