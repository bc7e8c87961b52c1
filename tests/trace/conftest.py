"""The local parts bin/trace reads in these tests: a real Jaeger v2 on loopback (the binary
testkit/go_programs.py builds; skipped when the Go build is unavailable here) fed over OTLP/HTTP, a
moto server holding X-Ray segments and the CloudWatch Logs group `cruddur`, and the Rollbar sink
(rollbar-sink/nginx.conf run by Debian's nginx, testkit/rollbar_sink.py) fed by POSTs to its item API."""
import os
import signal
import subprocess
import time

import pytest
import requests
import yaml

from testkit import go_programs
from testkit.net import free_port, wait_for_http
from testkit.receivers import MotoServer
from testkit.rollbar_sink import RollbarSink
from testkit.workers import progress_line


def new_trace_id():
    """A 32-hex trace id whose first 8 hex are the epoch seconds, as the X-Ray id generator makes them."""
    return format(int(time.time()), "08x") + os.urandom(12).hex()


@pytest.fixture(scope="module")
def jaeger(request, tmp_path_factory):
    """Jaeger v2 all-in-one on loopback: OTLP/HTTP in, memory storage, the query API; stopped by its PID."""
    try:
        binary = go_programs.jaeger(progress=lambda text: progress_line(request.config, text)).path
    except (go_programs.GoBuildError, FileNotFoundError) as exc:
        pytest.skip(f"the Jaeger binary cannot be built here: {str(exc).splitlines()[-1]}")
    folder = tmp_path_factory.mktemp("jaeger")
    ports = {name: free_port() for name in ("otlp_http", "query_http", "query_grpc")}
    config = go_programs.jaeger_loopback_config("http", {**ports, "otlp": ports["otlp_http"]}, "warn")
    (folder / "jaeger.yaml").write_text(yaml.safe_dump(config))
    log = open(folder / "jaeger.log", "w+b")  # noqa: SIM115 (kept open for the process's life)
    proc = subprocess.Popen([str(binary), f"--config={folder / 'jaeger.yaml'}"], stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        wait_for_http(f"http://127.0.0.1:{ports['query_http']}/api/services", timeout=60, process=proc)
        yield {"url": f"http://127.0.0.1:{ports['query_http']}", "otlp": f"http://127.0.0.1:{ports['otlp_http']}",
               "log": folder / "jaeger.log"}
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        log.close()


@pytest.fixture(scope="module")
def moto():
    # moto keeps its resources per process, not per server: whatever an earlier module on this
    # worker made (the log group `cruddur`, say) is forgotten first.
    server = MotoServer().start()
    server.reset()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sink():
    server = RollbarSink().start()
    yield server
    server.stop()


def jaeger_spans(jaeger_url, trace_id):
    reply = requests.get(f"{jaeger_url}/api/traces/{trace_id}", timeout=5)
    if reply.status_code != 200:
        return []
    return [span for trace in reply.json().get("data") or [] for span in trace.get("spans") or []]
