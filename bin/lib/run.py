"""bin/run's supervisor (standard library only; runs on the interpreter bin/run found).

Set-up (bin/bootstrap --runtime, migrate, seed, UI build), then gunicorn and `vite preview`
together in one process group of their own. SIGINT, SIGTERM, SIGHUP, either server exiting, or
this process exiting stops the whole group: SIGTERM first, SIGKILL for what is left after a grace
period. Every step runs in a group that this process kills, so nothing it started outlives it.

The UI and the API share one origin, as behind nginx in compose: the UI is built to call the API on
the address the page was opened at (an empty VITE_BACKEND_URL), and `vite preview` proxies /api/ and
/rollbar/ to gunicorn (BACKEND_ADDR, read by frontend-react-js/vite.config.js). So the UI works at
whatever address reaches its port: localhost, 127.0.0.1, a tunnel or a forwarded port.

Environment: PORT (API, default 4567), FRONTEND_PORT (UI, default 3000), BACKEND_URL, FRONTEND_URL
(the API's CORS origin, for a UI served from another origin than this one).
"""
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BACKEND = ROOT / "backend-flask"
FRONTEND = ROOT / "frontend-react-js"
VENV_BIN = ROOT / ".venv" / "bin"
VITE = FRONTEND / "node_modules" / ".bin" / "vite"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 20  # gunicorn's graceful_timeout (10 s) plus the telemetry flush budget


class Stop(Exception):
    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _raise_stop(signum, frame):
    raise Stop(signum)


class Group:
    """Children in one process group; the first child leads it."""

    def __init__(self):
        self.pgid = None
        self.children = []

    def start(self, argv, cwd, env):
        # stdin from /dev/null: the group is not the terminal's foreground group, so a child that
        # read the terminal (vite does, for its key shortcuts) would be stopped by SIGTTIN.
        child = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                 process_group=0 if self.pgid is None else self.pgid)
        if self.pgid is None:
            self.pgid = child.pid
        self.children.append(child)
        return child

    def alive(self):
        return [c for c in self.children if c.poll() is None]

    def _signal(self, signum):
        try:
            os.killpg(self.pgid, signum)
            return True
        except ProcessLookupError:  # nobody is left in the group
            return False

    def stop(self):
        """SIGTERM the group, wait for it to empty, then SIGKILL what remains."""
        if self.pgid is None:
            return
        # Hold further signals while stopping, so that a second Ctrl-C cannot cut it short.
        held = {signum: signal.signal(signum, signal.SIG_IGN) for signum in STOP_SIGNALS}
        try:
            if self._signal(signal.SIGTERM):
                deadline = time.monotonic() + GRACE_SECONDS
                while time.monotonic() < deadline and self._signal(0):
                    for child in self.children:
                        child.poll()  # reap, so that an exited leader does not count as a member
                    time.sleep(0.1)
                self._signal(signal.SIGKILL)
            for child in self.children:
                child.wait()
        finally:
            for signum, handler in held.items():
                signal.signal(signum, handler)


def step(message):
    print(f"==> {message}", flush=True)


def run_step(argv, cwd, env):
    """One set-up command in its own group, stopped with it on a signal."""
    group = Group()
    try:
        code = group.start(argv, cwd, env).wait()
    finally:
        group.stop()
    if code != 0:
        sys.exit(code)


def wait_until_serving(url, group, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(group.alive()) < len(group.children):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def main():
    for signum in STOP_SIGNALS:
        signal.signal(signum, _raise_stop)
    port = os.environ.setdefault("PORT", "4567")
    ui_port = os.environ.setdefault("FRONTEND_PORT", "3000")
    backend_url = os.environ.setdefault("BACKEND_URL", f"http://localhost:{port}")
    frontend_url = os.environ.setdefault("FRONTEND_URL", f"http://localhost:{ui_port}")
    env = dict(os.environ)
    servers = Group()
    try:
        run_step([str(ROOT / "bin" / "bootstrap"), "--runtime"], ROOT, {**env, "CRUDDUR_COMMAND": "run"})
        run_step([str(VENV_BIN / "flask"), "--app", "app", "db", "upgrade"], BACKEND, env)
        run_step([str(VENV_BIN / "flask"), "--app", "app", "seed"], BACKEND, env)
        step("building the UI")
        run_step([str(VITE), "build", "--logLevel", "warn"], FRONTEND, {**env, "VITE_BACKEND_URL": ""})

        servers.start([str(VENV_BIN / "gunicorn"), "app:app", "--bind", f"127.0.0.1:{port}"], BACKEND, env)
        servers.start([str(VITE), "preview", "--port", ui_port, "--strictPort", "--host", "127.0.0.1"],
                      FRONTEND, {**env, "BACKEND_ADDR": f"127.0.0.1:{port}"})
        if wait_until_serving(f"http://127.0.0.1:{port}/api/health-check", servers) and \
                wait_until_serving(f"http://127.0.0.1:{ui_port}/", servers):
            step(f"Cruddur: UI {frontend_url} (and the API under its /api/)  API {backend_url}  "
                 "(demo users' password: cruddur-demo)")
        while len(servers.alive()) == len(servers.children):
            time.sleep(0.2)
        failed = next(c for c in servers.children if c.poll() is not None)
        print(f"bin/run: {Path(failed.args[0]).name} exited with {failed.returncode}; stopping", file=sys.stderr)
        return 1
    except Stop as stop:
        step(f"stopping ({signal.Signals(stop.signum).name})")
        return 128 + stop.signum
    finally:
        servers.stop()


if __name__ == "__main__":
    sys.exit(main())
