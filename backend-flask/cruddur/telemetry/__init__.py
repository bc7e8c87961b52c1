"""Cruddur's four signals. Each module exposes `init_app(app)`; `init_app` here wires them in
the order the hooks need, prints the start-up line, and registers one bounded shutdown."""
import atexit
import logging
import os
import sys
import threading

from . import context, course_wiring, errors, faults, logs, otel, xray
from .deadline import Deadline

log = logging.getLogger("cruddur.telemetry")
_shut_down = []


def init_app(app):
    logs.configure(app.config)  # first, so every later start-up line is JSON
    # Hook order matters: the OTEL server span must exist before X-Ray's middleware opens its
    # segment, so that the segment can take OTEL's trace id (see xray.init_app).
    otel.init_app(app)
    xray.init_app(app)
    context.init_app(app)
    logs.init_app(app)
    errors.init_app(app)
    course_wiring.init_app(app)
    faults.configure(app.config["FAULTS"])
    signals = describe()
    log.info("signals: " + ", ".join(f"{k}={v}" for k, v in signals.items()), extra={"signals": signals})
    if faults.active():
        log.warning("fault injection on", extra={"faults": app.config["FAULTS"]})
    atexit.register(shutdown)


def after_fork():
    """Per-process parts (exporter threads, sockets) are made again in each gunicorn worker."""
    otel.after_fork()
    logs.after_fork()


def describe():
    return {"otel": otel.describe(), "xray": xray.describe(), "logs": logs.describe(),
            "rollbar": errors.describe(), "pid": os.getpid()}


def shutdown(budget_seconds=3.0):
    """Flush every signal within one shared time budget (gunicorn kills a slow worker).

    Each flush runs in its own daemon thread, joined for what the budget has left: an exporter
    stuck on an unreachable backend cannot hold the process past the budget."""
    if _shut_down or not (otel.enabled() or errors.enabled() or logs.shipping()):
        return  # nothing is buffered
    _shut_down.append(True)
    deadline = Deadline(budget_seconds)
    unfinished = []
    for flush in (otel.shutdown, errors.shutdown, logs.shutdown):
        name = flush.__module__.rsplit(".", 1)[-1]
        flusher = threading.Thread(target=_flush_quietly, args=(flush, deadline), daemon=True, name=f"flush-{name}")
        flusher.start()
        flusher.join(deadline.remaining())
        if flusher.is_alive():
            unfinished.append(name)
    # What the budget left behind is dropped with the process; the counts say how much.
    unsent = {"spans": otel.unsent(), "rollbar_items": errors.unsent(), "log_lines": logs.unsent()}
    log.info("telemetry flushed", extra={"flush_ms": round((budget_seconds - deadline.remaining()) * 1000),
                                         "unfinished": unfinished, "unsent": unsent})


def exit_process(code):
    """End this process now that the bounded flush is over. A normal interpreter exit would join
    the senders still stuck on unreachable backends (Rollbar's pool threads are not daemons, and
    are joined at exit after any budget), and gunicorn would then SIGKILL the worker."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _flush_quietly(flush, deadline):
    try:
        flush(deadline)
    except Exception:  # a failing backend must never break shutdown
        log.exception("telemetry flush failed")
