"""The shipped collector configs, run by the real collector binary as compose starts it: the files
compose names for a shell environment, the container's environment, and a running collector with
one more overlay that moves it onto loopback ports."""
import contextlib
import os
import signal
import subprocess

import yaml

from testkit.net import free_port, wait_for_http

from .stack_files import REPO

CONFIG_DIR = REPO / "otel-collector"
IN_CONTAINER = "/etc/cruddur-otelcol/"


def collector_configs(compose_with, env):
    """The host paths of the --config files compose gives the collector under `env`."""
    command = compose_with(env)["services"]["otel-collector"]["command"]
    paths = [arg.removeprefix("--config=") for arg in command if arg.startswith("--config=")]
    assert paths and all(p.startswith(IN_CONTAINER) for p in paths), command
    return [CONFIG_DIR / p.removeprefix(IN_CONTAINER) for p in paths]


def collector_env(env):
    """The collector container's environment as compose sets it, with dummy Honeycomb values."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "HONEYCOMB_", "AWS_"))}
    return {**base, "FRONTEND_URL": "http://localhost:3000", "HONEYCOMB_ENDPOINT": "http://127.0.0.1:9",
            "HONEYCOMB_API_KEY": "", "AWS_REGION": "us-east-1", **env}


def stop(proc):
    """SIGTERM by PID, then SIGKILL if it has not left within 15 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def start(argv, log, env=None):
    return subprocess.Popen([str(a) for a in argv], stdout=log, stderr=subprocess.STDOUT, env=env)


@contextlib.contextmanager
def running_collector(otelcol, configs, folder, exporters, env=None):
    """The collector on `configs` plus an overlay: its OTLP/HTTP receiver and health check on free
    loopback ports, its metrics off, and `exporters` (settings merged over the shipped ones).
    Yields {"proc", "otlp_http", "log"}; stopped by PID on exit."""
    http, health = free_port(), free_port()
    overlay = {
        "extensions": {"health_check": {"endpoint": f"127.0.0.1:{health}"}},
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": f"127.0.0.1:{http}"}}}},
        "exporters": exporters,
        "service": {"telemetry": {"metrics": {"level": "none"}}},
    }
    (folder / "loopback.yml").write_text(yaml.safe_dump(overlay))
    log_path = folder / "otelcol.log"
    with open(log_path, "w+b") as log:
        proc = start([otelcol, *(f"--config={p}" for p in [*configs, folder / "loopback.yml"])], log,
                     env=collector_env(env or {}))
        try:
            wait_for_http(f"http://127.0.0.1:{health}/", timeout=60, process=proc)
            yield {"proc": proc, "otlp_http": f"http://127.0.0.1:{http}", "log": log_path}
        finally:
            stop(proc)
