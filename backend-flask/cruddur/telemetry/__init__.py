"""Cruddur's four signals. Each app gets one `Telemetry` (at app.extensions[EXTENSION]) holding
each signal's state and the app's injected faults; code at request time reaches it through
`state.current()`. `init_app` wires the signals in the order the hooks need and prints the
start-up line; one bounded shutdown per process flushes every app's telemetry.

Process-wide by nature, and owned here by whichever app sets them first: the global tracer
provider and propagators (otel), the X-Ray SDK's on/off switch (xray, which only the `sdk` X-Ray
mode loads: xray_mode), the root logger's stdout handler (logs) and Rollbar's settings and thread
pool (rollbar); each module says how."""
import atexit
import contextlib
import logging
import os
import sys
import threading
import weakref

from ..config import ConfigError
from . import context, edge, faults, logs, otel, patches, rollbar, xray_mode
from .deadline import Deadline
from .state import EXTENSION, current

__all__ = ["EXTENSION", "Telemetry", "after_fork", "current", "exit_process", "init_app", "shutdown"]

log = logging.getLogger("cruddur.telemetry")
_apps = weakref.WeakSet()  # every live app's Telemetry in this process
_process = {"atexit": False}


class Telemetry:
    """One app's signals: `otel`, `xray`, `logs`, `rollbar`, and its `faults`."""

    def __init__(self):
        self.otel = self.xray = self.logs = self.rollbar = self.faults = None
        self.shut_down = False

    def describe(self):
        return {"otel": self.otel.describe(), "xray": self.xray.describe(), "logs": self.logs.describe(),
                "rollbar": self.rollbar.describe(), "pid": os.getpid()}

    def after_fork(self):
        self.otel.after_fork()
        self.logs.after_fork()

    def buffered(self):
        return self.otel.enabled or self.rollbar.enabled or self.logs.shipping

    def flushes(self):
        return (("otel", self.otel.shutdown), ("rollbar", self.rollbar.shutdown), ("logs", self.logs.shutdown))

    def unsent(self):
        return {"spans": self.otel.unsent(), "rollbar_items": self.rollbar.unsent(), "log_lines": self.logs.unsent()}


def init_app(app):
    problems = patches.version_problems()
    if problems:
        raise ConfigError("; ".join(problems))
    xray_mode.mode_of(app.config)  # a bad CRUDDUR_XRAY_MODE stops start-up before any signal is wired
    telemetry = Telemetry()
    app.extensions[EXTENSION] = telemetry
    logs.configure_process()  # first, so every later start-up line is JSON
    telemetry.logs = logs.Logs(app.config, telemetry)
    telemetry.logs.after_fork()
    # Hook order matters: the OTEL server span must exist before X-Ray's middleware opens its
    # segment, so that the segment can take OTEL's trace id (see xray.init_app).
    untraced = app.wsgi_app
    with edge.only_for_sampled_requests(app):  # a dropped request skips these libraries' hooks
        telemetry.otel = otel.init_app(app)
        telemetry.xray = xray_mode.init_app(app, telemetry.otel)
    if telemetry.otel.enabled or telemetry.xray.enabled:
        # Sampling is decided once, before any of their work (telemetry/edge.py).
        app.wsgi_app = edge.EdgeSampling(app.wsgi_app, untraced, provider=telemetry.otel.provider,
                                         recorder=telemetry.xray.recorder)
    context.init_app(app, telemetry.otel)
    logs.init_app(app)
    telemetry.rollbar = rollbar.init_app(app)
    telemetry.faults = faults.Faults(app.config["FAULTS"])
    with app.app_context():  # so that the lines go to this app's log group only
        signals = telemetry.describe()
        log.info("signals: " + ", ".join(f"{k}={v}" for k, v in signals.items()), extra={"signals": signals})
        if telemetry.faults.active:
            log.warning("fault injection on", extra={"faults": app.config["FAULTS"]})
    _apps.add(telemetry)
    if not _process["atexit"]:
        atexit.register(shutdown)
        _process["atexit"] = True
    return telemetry


def after_fork():
    """Per-process parts (exporter threads, sockets) are made again in each gunicorn worker."""
    for telemetry in list(_apps):
        telemetry.after_fork()


def shutdown(budget_seconds=3.0):
    """Flush every app's signals within one shared time budget (gunicorn kills a slow worker).

    Each flush runs in its own daemon thread, all at once (each waits on its own backend), joined
    for what the budget has left: an exporter stuck on an unreachable backend cannot hold the
    process past the budget, nor take the budget from the others."""
    apps = [t for t in list(_apps) if not t.shut_down]
    for telemetry in apps:
        telemetry.shut_down = True
        telemetry.xray.close()  # segments leave as they end; nothing is buffered
    apps = [t for t in apps if t.buffered()]
    if not apps:
        return  # nothing is buffered
    deadline = Deadline(budget_seconds)
    flushers = []
    for telemetry in apps:
        for name, flush in telemetry.flushes():
            flusher = threading.Thread(target=_flush_quietly, args=(flush, deadline), daemon=True,
                                       name=f"flush-{name}")
            flusher.start()
            flushers.append((name, flusher))
    unfinished = []
    for name, flusher in flushers:
        flusher.join(deadline.remaining())
        if flusher.is_alive():
            unfinished.append(name)
    # What the budget left behind is dropped with the process; the counts say how much.
    unsent = {}
    for telemetry in apps:
        for kind, count in telemetry.unsent().items():  # -1: a count the library could not give
            previous = unsent.get(kind, 0)
            unsent[kind] = -1 if count < 0 or previous < 0 else previous + count
    log.info("telemetry flushed", extra={"flush_ms": round((budget_seconds - deadline.remaining()) * 1000),
                                         "unfinished": unfinished, "unsent": unsent})


def exit_process(code):
    """End this process now that the bounded flush is over. A normal interpreter exit would join
    the senders still stuck on unreachable backends (Rollbar's pool threads are not daemons, and
    are joined at exit after any budget), and gunicorn would then SIGKILL the worker."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _flush_quietly(flush, deadline):
    try:
        flush(deadline)
    except Exception:  # a failing backend must never break shutdown
        log.exception("telemetry flush failed")
