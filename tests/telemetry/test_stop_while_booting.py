"""SIGTERM while gunicorn's workers are still booting stops the whole server: every worker leaves
through its own exit path (where telemetry flushes), none waits for the arbiter's SIGKILL.

A worker is between the fork and gunicorn's own signal handlers while `post_fork` imports the app;
a stop signal landing there once went to the arbiter's handler the fork left behind, and the
worker booted and served on until graceful_timeout ran out (bin/run took 10 s to stop)."""
import os
import re
import signal
import subprocess
import time

from testkit.gunicorn import Gunicorn, backend_env, flask_command
from testkit.paths import BIN

BOOTED = re.compile(r"Booting worker with pid: (\d+)")
EXITED = re.compile(r"Worker exiting \(pid: (\d+)\)")
WORKERS = 2
# A bound on the test, not a latency figure: a worker that ignores SIGTERM is SIGKILLed by the
# arbiter after graceful_timeout, which this stretches past the wait so that it shows as a hang.
GRACEFUL_TIMEOUT, WAIT_FOR_EXIT = 120, 60


def _booting_pids(log_path, process):
    """The workers' pids as soon as each has logged that it is booting (before post_fork)."""
    for _ in range(3000):  # bounded: 3000 polls of 10 ms
        pids = BOOTED.findall(log_path.read_text())
        if len(pids) >= WORKERS or process.poll() is not None:
            return pids
        time.sleep(0.01)
    return BOOTED.findall(log_path.read_text())


def test_sigterm_while_workers_boot_stops_every_worker_on_its_own(new_database_url, tmp_path):
    env = backend_env(new_database_url("sqlite"), GUNICORN_CMD_ARGS=f"--graceful-timeout {GRACEFUL_TIMEOUT}")
    flask_command(env, "db", "upgrade")
    server = Gunicorn(env, workers=WORKERS, log_path=tmp_path / "gunicorn.log")
    log_path = server.log_path
    with open(log_path, "w") as log:
        process = subprocess.Popen([str(BIN / "gunicorn"), server.app, "--bind", f"127.0.0.1:{server.port}",
                                    "--workers", str(WORKERS)], cwd=server.backend, env=server.env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server.process = process
    try:
        booting = _booting_pids(log_path, process)
        assert len(booting) == WORKERS, log_path.read_text()
        process.send_signal(signal.SIGTERM)  # the workers are importing the app in post_fork
        try:
            code = process.wait(timeout=WAIT_FOR_EXIT)
        except subprocess.TimeoutExpired:
            code = None
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    output = log_path.read_text()
    assert code == 0, output  # the arbiter stopped by itself, not by the test's kill
    assert "SIGKILL" not in output and "Quick shutdown" not in output, output
    # Every worker that started booting left through gunicorn's exit path (its own `finally`,
    # where worker_exit flushes telemetry); a SIGKILLed worker never logs this line.
    assert set(EXITED.findall(output)) >= set(booting), output
    assert "Listening at" in output and "Shutting down: Master" in output
