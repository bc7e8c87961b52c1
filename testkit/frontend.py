"""The real stack for browser tests and the frontend benchmark: gunicorn on a seeded SQLite database, and the
production build of the frontend served by `vite preview`, both on loopback."""
import os
import shutil
import signal
import subprocess
from pathlib import Path

from .gunicorn import Gunicorn, backend_env, flask_command
from .net import wait_for_http
from .paths import FRONTEND

VITE = FRONTEND / "node_modules" / ".bin" / "vite"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def start_backend(workdir, ui_url, **extra_env):
    """Migrate and seed a fresh SQLite database with the documented commands, then serve it."""
    env = backend_env(f"sqlite:///{workdir / 'e2e.sqlite3'}", FRONTEND_URL=ui_url, **extra_env)
    flask_command(env, "db", "upgrade")
    flask_command(env, "seed")
    return Gunicorn(env, workers=2).start()


def ensure_node_modules():
    if not VITE.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True,
                       capture_output=True, text=True, timeout=600)


def build_frontend(out_dir, **vite_env):
    """`vite build` into out_dir (not the repo's dist/), with VITE_* settings from vite_env."""
    ensure_node_modules()
    env = {**os.environ, **vite_env}
    subprocess.run([str(VITE), "build", "--outDir", str(out_dir), "--emptyOutDir", "--logLevel", "warn"],
                   cwd=FRONTEND, env=env, check=True, capture_output=True, text=True, timeout=300)
    return out_dir


class StaticFrontend:
    """`vite preview` of a build, on a loopback port; stopped by PID."""

    def __init__(self, dist, port):
        self.dist = dist
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [str(VITE), "preview", "--outDir", str(self.dist), "--port", str(self.port), "--strictPort",
             "--host", "127.0.0.1"],
            cwd=FRONTEND, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        wait_for_http(self.url + "/", process=self.process)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def require_chromium():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        raise RuntimeError("E2E tests need Debian's Chromium: apt-get install -y chromium")

