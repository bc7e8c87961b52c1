"""One private Docker engine and one compose stack for the module; both stopped at the end."""
import os
import shutil
import time

import pytest

from testkit.workers import progress_line
from tests.compose_up.engine import Engine
from tests.compose_up.stack import Stack

# CRUDDUR_COMPOSE_UP_IMAGES=upstream: where a registry is reachable, pull the pinned upstream images
# (the X-Ray daemon, the collector and Jaeger included) instead of building stand-ins.
UPSTREAM = os.environ.get("CRUDDUR_COMPOSE_UP_IMAGES") == "upstream"


@pytest.fixture(scope="package")
def progress(pytestconfig):
    """Print a line to the terminal, past pytest's capture: the cold set-up takes minutes."""
    started = time.monotonic()

    def say(message):
        progress_line(pytestconfig, f"[compose-up {time.monotonic() - started:5.0f}s] {message}")

    return say


@pytest.fixture(scope="package")
def engine(progress):
    for tool in ("dockerd", "dpkg-deb") if UPSTREAM else ("dockerd", "debootstrap", "dpkg-deb", "npm"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: bin/bootstrap --with-test-tools installs it")
    progress("starting a private dockerd (no iptables, no ip forwarding, no default bridge)")
    engine = Engine(progress).start()
    progress(f"Compose {engine.compose_version} ready")
    yield engine
    engine.stop()


@pytest.fixture(scope="package")
def stack(engine, progress, tmp_path_factory):
    receivers = None if UPSTREAM else engine.build_standins()["receivers"]
    captured = tmp_path_factory.mktemp("captured")
    captured.chmod(0o777)
    stack = Stack(engine, receivers, captured)
    stack.down("--volumes")  # whatever an interrupted earlier run left
    progress("building the project's images and starting the stack")
    started = time.monotonic()
    stack.up()
    stack.cold_start_seconds = time.monotonic() - started
    stack.wait_healthy()
    progress(f"stack healthy ({stack.cold_start_seconds:.0f}s to start)")
    yield stack
    progress("removing the stack and its volumes")
    stack.down("--volumes")
