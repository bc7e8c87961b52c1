"""A real gunicorn serving Cruddur, set up with the documented commands, stopped by PID."""
import os
import signal
import subprocess
from pathlib import Path

from .net import free_port, wait_for_http
from .paths import BACKEND, BIN

# The suite writes and signs up far faster than a person; tests of the limits set their own.
TEST_LIMITS = {"CRUDDUR_WRITE_LIMIT_PER_USER": "100000/minute", "CRUDDUR_SIGNUP_LIMIT_PER_ADDRESS": "100000/minute"}


# What turns a signal or a Cruddur setting on: a server under test gets none of these from the caller.
SETTING_PREFIXES = ("OTEL_", "AWS_", "ROLLBAR_", "CLOUDWATCH_", "CRUDDUR_", "HONEYCOMB_")


def without_settings(environ):
    """`environ` less every variable that names a signal or a Cruddur setting."""
    return {k: v for k, v in environ.items() if not k.startswith(SETTING_PREFIXES)}


def backend_env(database_url, **extra):
    env = without_settings(os.environ)
    env.update(DATABASE_URL=database_url, SECRET_KEY="test-secret-key-for-cruddur-tests",
               PYTHONUNBUFFERED="1", FRONTEND_URL="http://127.0.0.1:3000", **TEST_LIMITS)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def flask_command(env, *args, backend=BACKEND):
    """Run `flask --app app ...` in backend-flask/ (or another checkout's), as a user does."""
    return subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=backend, env=env,
                          capture_output=True, text=True, timeout=120, check=True)


def assert_start_refused(env, line):
    """Both ways Cruddur starts, `flask --app app db upgrade` and gunicorn's arbiter, stop with exactly
    the configuration error `line`: exit status 1, no traceback, no worker booted."""
    flask = subprocess.run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], cwd=BACKEND, env=env,
                           capture_output=True, text=True, timeout=60)
    assert flask.returncode == 1 and flask.stderr.startswith(line) and len(flask.stderr.splitlines()) == 1, flask.stderr
    gunicorn = subprocess.run([str(BIN / "gunicorn"), "app:app", "--bind", "127.0.0.1:0"], cwd=BACKEND, env=env,
                              capture_output=True, text=True, timeout=60)
    assert gunicorn.returncode == 1
    [said] = [output for output in gunicorn.stderr.splitlines() if "configuration error" in output]
    assert said.startswith(line)
    assert "Booting worker" not in gunicorn.stderr and "Traceback" not in gunicorn.stderr


class Gunicorn:
    def __init__(self, env, workers=2, log_path=None, port=None, app="app:app", backend=BACKEND):
        self.app = app  # the WSGI app gunicorn serves, as a "module:name" from the backend's folder
        self.backend = backend
        self.workers = workers
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Links (the Link header) are built from BACKEND_URL: this server's own address unless set.
        self.env = {"BACKEND_URL": self.url, **env}
        self.log_path = log_path
        self.process = None

    def start(self):
        log = open(self.log_path, "a") if self.log_path else subprocess.DEVNULL  # noqa: SIM115  (closed below)
        try:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), self.app, "--bind", f"127.0.0.1:{self.port}",
                 "--workers", str(self.workers)],
                cwd=self.backend, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        finally:
            if log is not subprocess.DEVNULL:
                log.close()  # the child holds its own descriptor
        wait_for_http(self.url + "/api/health-check", process=self.process)
        return self

    def stop(self, timeout=20):
        """SIGTERM the arbiter by PID and wait; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise

    def output(self):
        return Path(self.log_path).read_text() if self.log_path else ""
