"""Rollbar: every unhandled exception becomes one item, with the person, the trace id and a
scrubbed request. On when `ROLLBAR_ACCESS_TOKEN` is set."""
import logging
import os
import subprocess
import sys
from pathlib import Path

import rollbar
from flask import g, got_request_exception, has_request_context, request

from . import context

log = logging.getLogger("cruddur.telemetry.errors")

DEFAULT_ENDPOINT = "https://api.rollbar.com/api/1/"
# Extends Rollbar's defaults (passing scrub_fields replaces them, so they are merged here).
EXTRA_SCRUB_FIELDS = ["cookie", "set-cookie", "token", "refresh_token", "id_token", "secret_key",
                      "api_key", "x-api-key", "x-honeycomb-team", "rollbar_access_token", "session"]
MAX_PENDING_ITEMS = 100  # beyond it, items are dropped (and counted) while Rollbar is unreachable
_state = {"enabled": False, "endpoint": None, "dropped": 0}


def _pending():
    from rollbar.lib import thread_pool

    pool = thread_pool._pool
    return pool._work_queue.qsize() if pool is not None else 0


def _backlogged():
    return _pending() >= MAX_PENDING_ITEMS


def unsent():
    """Items queued for Rollbar and not yet taken by a sender thread."""
    return _pending() if _state["enabled"] else 0


def code_version():
    version = os.environ.get("CRUDDUR_VERSION")
    if version:
        return version
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent,
                              capture_output=True, text=True, timeout=2, check=True).stdout.strip() or "dev"
    except (OSError, subprocess.SubprocessError):
        return "dev"


def _endpoint():
    endpoint = os.environ.get("ROLLBAR_ENDPOINT") or DEFAULT_ENDPOINT
    return endpoint if endpoint.endswith("/api/1/") else endpoint.rstrip("/") + "/api/1/"


def _payload():
    trace_id, xray_trace_id = context.trace_ids()
    data = {"custom": {"trace_id": trace_id, "xray_trace_id": xray_trace_id}}
    user = g.get("current_user")
    if user is not None:
        data["person"] = {"id": user.uuid, "username": user.handle}
    return data


def report_exception(exc, exc_info=None, custom=None):
    """Report one exception, with request context when there is one (outside one, `custom` carries
    the trace ids). Never raises."""
    if not _state["enabled"]:
        return
    if _backlogged():
        _state["dropped"] += 1
        return
    try:
        exc_info = exc_info or (type(exc), exc, exc.__traceback__)
        if has_request_context():
            rollbar.report_exc_info(exc_info, request, payload_data=_payload())
        else:
            rollbar.report_exc_info(exc_info, payload_data={"custom": custom} if custom else None)
    except Exception:
        log.warning("could not report to Rollbar", exc_info=True)


def _on_request_exception(sender, exception, **extra):
    report_exception(exception, sys.exc_info() if sys.exc_info()[1] is exception else None)


def report_message(message, level="warning"):
    if _state["enabled"] and not _backlogged():
        rollbar.report_message(message, level, request if has_request_context() else None, payload_data=_payload())


def init_app(app):
    token = os.environ.get("ROLLBAR_ACCESS_TOKEN")
    if not token:
        return
    endpoint = _endpoint()
    rollbar.init(
        token,
        environment=os.environ.get("ROLLBAR_ENVIRONMENT", "development"),
        endpoint=endpoint,
        handler="thread_pool",
        thread_pool_workers=2,
        timeout=3,
        root=str(Path(__file__).resolve().parents[2]),
        code_version=code_version(),
        scrub_fields=list(dict.fromkeys(rollbar.SETTINGS["scrub_fields"] + EXTRA_SCRUB_FIELDS)),
        locals={"enabled": False},  # frame locals can hold bodies and tokens
        allow_logging_basic_config=False,
        suppress_reinit_warning=True,
        capture_ip=False,
        capture_email=False,
        capture_username=False,
    )
    got_request_exception.connect(_on_request_exception, app, weak=False)
    _state.update(enabled=True, endpoint=endpoint)


def enabled():
    return _state["enabled"]


def describe():
    return f"rollbar {_state['endpoint']}" if _state["enabled"] else "off"


def shutdown(deadline):
    if not _state["enabled"]:
        return
    from rollbar.lib import thread_pool

    if thread_pool._pool is not None:
        thread_pool._pool.shutdown(wait=True)
