"""gunicorn settings for Cruddur; `gunicorn app:app` picks this file up from backend-flask/.

The port, the worker count and the control socket come from cruddur/config.py, loaded here by its
path: importing the `cruddur` package would load the app and its telemetry in the arbiter,
before the fork."""
import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(name, relative_path):
    spec = importlib.util.spec_from_file_location(name, HERE / relative_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_config = _load("cruddur_config_for_gunicorn", "cruddur/config.py")
_server = _config.server_settings()

bind = f"0.0.0.0:{_server['PORT']}"
workers = _server["GUNICORN_WORKERS"]
worker_class = "sync"
timeout = 30
graceful_timeout = 10  # in-flight requests finish, then telemetry flushes within its own budget
keepalive = 5
# Request lines and headers are refused at the edge, in Cruddur's JSON (nginx, in
# frontend-react-js/nginx/templates/default.conf.template: a request line up to 4 KiB, header
# lines up to 4 KiB, 17 KiB of headers in all, so at most about 4,400 of them). gunicorn's own
# limits sit above all of that, so nothing nginx lets through is refused here in HTML.
limit_request_line = 8190  # gunicorn's maximum
limit_request_field_size = 8190
limit_request_fields = 5000
accesslog = None  # Cruddur writes its own JSON access line, with trace ids
# The app is loaded in each worker (no preload), so telemetry exporters and threads are per process.
preload_app = False
# gunicorn >= 25.1 opens a control socket for `gunicornc` by default at one path per user
# ($XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl), which every instance on the host
# would take over from the last. Off, unless GUNICORN_CONTROL_SOCKET names this instance's own path.
if _server["GUNICORN_CONTROL_SOCKET"]:
    control_socket = _server["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True


def on_starting(server):
    """Check, once in the arbiter, what Cruddur cannot run with (such as a short SECRET_KEY in
    production, or a library outside the versions its patches were checked against): gunicorn
    stops here with the one line, instead of every worker failing in turn. Both files load on
    their own, without the app."""
    _config.Config()
    problems = _load("cruddur_patches_check", "cruddur/telemetry/patches.py").version_problems()
    if problems:
        raise _config.ConfigError("; ".join(problems))


STOP_SIGNALS = ("SIGTERM", "SIGINT", "SIGQUIT")


def _stop_when_booted(server, worker):
    """A stop signal that reaches a worker before gunicorn installs the worker's own handlers
    (in init_process, after this hook) would go to the arbiter's handler inherited by the fork:
    queued in the child's copy of the arbiter's queue and never read. The worker would boot and
    serve on, and the arbiter would wait graceful_timeout to SIGKILL it. Here such a signal marks
    the worker as stopping, so that it leaves as soon as it has booted, the way gunicorn's own
    handlers do (its run loop checks `alive`); a signal that came between the fork and this hook
    is read back from the inherited queue."""
    import queue
    import signal

    stops = {getattr(signal, name) for name in STOP_SIGNALS}

    def stop(signum, frame):
        worker.alive = False

    for signum in stops:
        signal.signal(signum, stop)
    inherited = getattr(server, "SIG_QUEUE", None)
    for _ in range(64):  # the queue holds at most a few signals; never loop on a broken one
        try:
            if inherited.get_nowait() in stops:
                worker.alive = False
        except (queue.Empty, AttributeError):
            break


def post_fork(server, worker):
    _stop_when_booted(server, worker)  # first: loading the app, after this hook, is the long part of a boot


def post_worker_init(worker):
    """The app is loaded in this worker. An app built here has already made its exporters in this
    process; one built in the arbiter (`--preload`) gets this process's own now (telemetry.after_fork
    skips what is already this process's). Then everything made so far (modules, the app, its
    clients) moves out of the garbage collector's sight: full collections walk only what requests
    make, instead of every long-lived object on each pass."""
    import gc

    from cruddur import telemetry

    telemetry.after_fork()
    gc.freeze()


def worker_exit(server, worker):
    from cruddur import telemetry

    telemetry.shutdown()
    if os.getpid() == worker.pid:  # the arbiter calls this hook too, for workers that vanished
        # gunicorn calls this while the worker's SystemExit propagates; keep its exit code.
        exc = sys.exc_info()[1]
        code = exc.code if isinstance(exc, SystemExit) and isinstance(exc.code, int) else 0
        telemetry.exit_process(code)
