"""Real local receivers for the four signals, and a gunicorn wired to all of them."""
import pytest

from tests.support.gunicorn import Gunicorn, flask_command
from tests.support.receivers import MotoServer, OTLPReceiver, RollbarReceiver, XRayReceiver



@pytest.fixture(scope="module")
def receivers():
    started = {"otlp": OTLPReceiver().start(), "xray": XRayReceiver().start(),
               "rollbar": RollbarReceiver().start(), "moto": MotoServer().start()}
    yield started
    for receiver in started.values():
        receiver.stop()


@pytest.fixture(scope="module")
def start_server(tmp_path_factory):
    servers = []

    def start(env, seed=True):
        flask_command(env, "db", "upgrade")
        if seed:
            flask_command(env, "seed")
        log = tmp_path_factory.mktemp("gunicorn") / "server.log"
        server = Gunicorn(env, log_path=log).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
