"""Rollbar: every unhandled exception becomes one item, with the person, the trace id and a
scrubbed request. On when `ROLLBAR_ACCESS_TOKEN` is set in app.config.

Rollbar's settings (`rollbar.SETTINGS`) and its thread pool are process-wide by nature: the app
that initialises Rollbar sets them for the process, and a second app with another token or
endpoint takes them over (with a warning). Each app owns whether it reports (`Rollbar.enabled`):
an app with Rollbar off never reports, whatever another app in the process does."""
import logging
import subprocess
import sys
from pathlib import Path

import rollbar
from flask import g, got_request_exception, has_request_context, request

from . import context, patches
from .state import current

log = logging.getLogger("cruddur.telemetry.rollbar")

# Extends Rollbar's defaults (passing scrub_fields replaces them, so they are merged here).
EXTRA_SCRUB_FIELDS = ["cookie", "set-cookie", "token", "refresh_token", "id_token", "secret_key",
                      "api_key", "x-api-key", "x-honeycomb-team", "rollbar_access_token", "session"]
MAX_PENDING_ITEMS = 100  # beyond it, items are dropped (and counted) while Rollbar is unreachable
_process = {"settings": None}  # (token, endpoint) Rollbar was last initialised with


def code_version(configured):
    if configured:
        return configured
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent,
                              capture_output=True, text=True, timeout=2, check=True).stdout.strip() or "dev"
    except (OSError, subprocess.SubprocessError):
        return "dev"


def endpoint_of(configured):
    return configured if configured.endswith("/api/1/") else configured.rstrip("/") + "/api/1/"


def _payload():
    trace_id, xray_trace_id = context.trace_ids()
    data = {"custom": {"trace_id": trace_id, "xray_trace_id": xray_trace_id}}
    user = g.get("current_user")
    if user is not None:
        data["person"] = {"id": user.uuid, "username": user.handle}
    return data


class Rollbar:
    """One app's error reporting."""

    def __init__(self, endpoint=None):
        self.endpoint = endpoint
        self.dropped = 0

    @property
    def enabled(self):
        return self.endpoint is not None

    def _backlogged(self):
        return patches.rollbar_pending() >= MAX_PENDING_ITEMS

    def report_exception(self, exc, exc_info=None, custom=None):
        if not self.enabled:
            return
        if self._backlogged():
            self.dropped += 1
            return
        try:
            exc_info = exc_info or (type(exc), exc, exc.__traceback__)
            if has_request_context():
                rollbar.report_exc_info(exc_info, request, payload_data=_payload())
            else:
                rollbar.report_exc_info(exc_info, payload_data={"custom": custom} if custom else None)
        except Exception:
            log.warning("could not report to Rollbar", exc_info=True)

    def report_message(self, message, level, with_request=True):
        """`with_request=False`: the item names the route (method and rule) but carries nothing the
        caller wrote (query string, headers, body)."""
        if not self.enabled or self._backlogged():
            return
        in_request = has_request_context()
        payload = _payload()
        if in_request and not with_request:
            rule = request.url_rule.rule if request.url_rule is not None else None
            payload["request"] = {"method": request.method, "url": rule}
        rollbar.report_message(message, level, request if in_request and with_request else None,
                               payload_data=payload)

    def describe(self):
        return f"rollbar {self.endpoint}" if self.enabled else "off"

    def unsent(self):
        """Items queued for Rollbar and not yet taken by a sender thread."""
        return patches.rollbar_pending() if self.enabled else 0

    def shutdown(self, deadline):
        if self.enabled:
            patches.rollbar_shutdown()


def report_exception(exc, exc_info=None, custom=None):
    """Report one exception to the current app's Rollbar, with request context when there is one
    (outside one, `custom` carries the trace ids). Never raises."""
    telemetry = current()
    if telemetry is not None:
        telemetry.rollbar.report_exception(exc, exc_info, custom)


def report_message(message, level="warning", with_request=True):
    telemetry = current()
    if telemetry is not None:
        telemetry.rollbar.report_message(message, level, with_request)


def _on_request_exception(sender, exception, **extra):
    report_exception(exception, sys.exc_info() if sys.exc_info()[1] is exception else None)


def init_app(app):
    config = app.config
    token = config["ROLLBAR_ACCESS_TOKEN"]
    if not token:
        return Rollbar()
    endpoint = endpoint_of(config["ROLLBAR_ENDPOINT"])
    if _process["settings"] not in (None, (token, endpoint)):
        log.warning("Rollbar re-initialised with another token or endpoint; it is process-wide, "
                    "so every app in this process now reports there", extra={"endpoint": endpoint})
    rollbar.init(
        token,
        environment=config["ROLLBAR_ENVIRONMENT"] or config["ENV"],  # the resource's deployment.environment.name
        endpoint=endpoint,
        handler="thread_pool",
        thread_pool_workers=2,
        timeout=3,
        root=str(Path(__file__).resolve().parents[2]),
        code_version=code_version(config["CRUDDUR_VERSION"]),
        scrub_fields=list(dict.fromkeys(rollbar.SETTINGS["scrub_fields"] + EXTRA_SCRUB_FIELDS)),
        locals={"enabled": False},  # frame locals can hold bodies and tokens
        allow_logging_basic_config=False,
        suppress_reinit_warning=True,
        capture_ip=False,
        capture_email=False,
        capture_username=False,
    )
    _process["settings"] = (token, endpoint)
    got_request_exception.connect(_on_request_exception, app, weak=False)
    return Rollbar(endpoint)
