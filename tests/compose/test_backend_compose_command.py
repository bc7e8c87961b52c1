"""The migrate and backend services' commands and environment, run for real without Docker.

Runs compose's one-off `migrate` command, then the backend's `command`, with compose's backend environment
(no cloud account: pass-through variables left unset) against a real PostgreSQL
server, then runs compose's healthcheck command. Container hostnames become
loopback addresses: the collector is a small OTLP/HTTP sink that records what
arrives, the X-Ray daemon address is a UDP port where nothing listens. It starts
twice, as `restart: unless-stopped` and a second `up` would: migrations and seeding must be
repeatable.
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from testkit.net import free_port

from .stack_files import REPO, env_mapping

BIN = Path(sys.executable).parent


class _OtlpSink(BaseHTTPRequestHandler):
    """Accepts OTLP/HTTP exports like the collector's receiver and remembers their paths."""

    received: ClassVar[list] = []

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append((self.path, self.headers.get("Content-Type")))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def otlp_sink():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OtlpSink)
    _OtlpSink.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _OtlpSink.received
    server.shutdown()
    server.server_close()
    thread.join()


def _container_env_on_loopback(compose_with, postgres, collector_port):
    service = compose_with({})["services"]["backend-flask"]
    env = {k: str(v) for k, v in env_mapping(service["environment"]).items() if v is not None}
    port = free_port(socket.SOCK_STREAM)
    database = postgres.create_database("cruddur_compose").rsplit("/", 1)[0]
    env.update({
        "DATABASE_URL": env["DATABASE_URL"].replace("@db:5432", "@" + database.split("@", 1)[1]).replace(
            "/cruddur", "/cruddur_compose"),
        "OTEL_EXPORTER_OTLP_ENDPOINT": env["OTEL_EXPORTER_OTLP_ENDPOINT"].replace(
            "otel-collector:4318", f"127.0.0.1:{collector_port}"),
        "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{free_port(socket.SOCK_DGRAM)}",
        "PORT": str(port),
        # gunicorn.conf.py binds every interface; tests listen on loopback only.
        "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port}",
        # What the image provides: the venv first on PATH, a writable home.
        "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("XDG_DATA_HOME", "/tmp"),
        "XDG_DATA_HOME": os.environ.get("XDG_DATA_HOME", "/tmp"),
        "PYTHONUNBUFFERED": "1",
    })
    return service, env, port


def _healthcheck(service, port, env):
    test = [arg.replace("127.0.0.1:4567", f"127.0.0.1:{port}") for arg in service["healthcheck"]["test"][1:]]
    return subprocess.run(test, env=env, capture_output=True, text=True, timeout=10).returncode


def _migrate(compose_with, env):
    command = compose_with({})["services"]["migrate"]["command"]
    assert command[:2] == ["sh", "-c"]
    result = subprocess.run(command, cwd=REPO / "backend-flask", env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def _start_and_wait_healthy(service, env, port, log):
    command = service["command"]
    process = subprocess.Popen(command, cwd=REPO / "backend-flask", env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"backend command exited with {process.returncode}")
        if _healthcheck(service, port, env) == 0:
            return process
        time.sleep(0.5)
    _stop(process)
    raise AssertionError("compose's healthcheck never passed")


def _stop(process):
    os.killpg(process.pid, signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.wait()


@pytest.mark.timeout(180)
def test_backend_command_starts_healthy_twice_with_compose_environment(compose_with, postgres, otlp_sink,
                                                                     tmp_path):
    collector_port, exports = otlp_sink
    service, env, port = _container_env_on_loopback(compose_with, postgres, collector_port)
    for attempt in ("first start", "restart"):
        migrated = _migrate(compose_with, env)
        assert ("seed skipped" in migrated) == (attempt == "restart"), migrated[-2000:]
        log_path = tmp_path / f"{attempt.replace(' ', '-')}.log"
        with open(log_path, "w") as log:
            process = _start_and_wait_healthy(service, env, port, log)
        code = _stop(process)
        output = log_path.read_text()
        assert code == 0, f"{attempt}: gunicorn exited with {code}\n{output[-3000:]}"
        assert "Traceback" not in output, f"{attempt}:\n{output[-3000:]}"
    assert ("/v1/traces", "application/x-protobuf") in exports, "spans should reach compose's collector endpoint"
