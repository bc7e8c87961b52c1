"""gunicorn settings for Cruddur; `gunicorn app:app` picks this file up from backend-flask/."""
import os
import sys

bind = f"0.0.0.0:{os.environ.get('PORT', '4567')}"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "sync"
timeout = 30
graceful_timeout = 10  # in-flight requests finish, then telemetry flushes within its own budget
keepalive = 5
accesslog = None  # Cruddur writes its own JSON access line, with trace ids
# The app is loaded in each worker (no preload), so telemetry exporters and threads are per process.
preload_app = False
# gunicorn >= 25.1 opens a control socket for `gunicornc` by default at one path per user
# ($XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl), which every instance on the host
# would take over from the last. Off, unless GUNICORN_CONTROL_SOCKET names this instance's own path.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True


def on_starting(server):
    """Read the configuration once in the arbiter: a setting Cruddur cannot run with (such as a
    short SECRET_KEY in production) stops gunicorn here with its one line, instead of every
    worker failing in turn. config.py is loaded on its own: importing the `cruddur` package here
    would load the app and its telemetry in the arbiter, before the fork."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("cruddur_config_check",
                                                  Path(__file__).resolve().parent / "cruddur" / "config.py")
    config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(config)
    config.Config()


def post_fork(server, worker):
    from cruddur import telemetry

    telemetry.after_fork()


def post_worker_init(worker):
    """The app is loaded: move everything made so far (modules, the app, its clients) out of the
    garbage collector's sight. Full collections then walk only what requests make, instead of
    every long-lived object on each pass."""
    import gc

    gc.freeze()


def worker_exit(server, worker):
    from cruddur import telemetry

    telemetry.shutdown()
    if os.getpid() == worker.pid:  # the arbiter calls this hook too, for workers that vanished
        # gunicorn calls this while the worker's SystemExit propagates; keep its exit code.
        exc = sys.exc_info()[1]
        code = exc.code if isinstance(exc, SystemExit) and isinstance(exc.code, int) else 0
        telemetry.exit_process(code)
