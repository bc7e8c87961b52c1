"""The ids that join the four signals for one request: OTEL's trace id, or X-Ray's, or a fresh one."""
import os
import re

from flask import g, request
from opentelemetry import trace

from . import propagation
from .state import current_entity

TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")


def to_xray(trace_id):
    return f"1-{trace_id[:8]}-{trace_id[8:]}"


def trace_ids():
    """(trace_id as 32 hex, X-Ray trace id) for the current request, or (None, None) outside one."""
    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        trace_id = format(ctx.trace_id, "032x")
        return trace_id, to_xray(trace_id)
    segment = current_entity()
    if segment is not None:
        return segment.trace_id[2:].replace("-", ""), segment.trace_id
    trace_id = g.get("trace_id") if request else None
    return (trace_id, to_xray(trace_id)) if trace_id else (None, None)


def _assign_fallback_id():
    """With OTEL off, a request still gets one id for its log line, Rollbar item and response."""
    if trace.get_current_span().get_span_context().is_valid or current_entity() is not None:
        return
    match = TRACEPARENT.match(request.headers.get("traceparent", ""))
    # W3C Trace Context: an all-zero trace id is invalid, and the caller's header is then ignored.
    # A valid traceparent wins over X-Amzn-Trace-Id, as with OTEL on (propagation.py).
    if match and match.group(1).strip("0"):
        g.trace_id = match.group(1)
        return
    xray = propagation.parse(request.headers.get(propagation.HEADER))
    g.trace_id = xray.trace_id if xray is not None else os.urandom(16).hex()


def _trace_response(response):
    if "traceresponse" not in response.headers:
        trace_id, _ = trace_ids()
        if trace_id:
            response.headers["traceresponse"] = f"00-{trace_id}-{os.urandom(8).hex()}-00"
    return response


def server_error(exc):
    """errors.py: this request's handled exception is a server error (a 5xx answer), which the
    SERVER span records as one (`_record_server_error`)."""
    g.server_error = exc


def _record_server_error(exc):
    """Teardown, before the Flask instrumentation's own ends the SERVER span, and after the
    response's status set the span's status (a 5xx: ERROR; in the stable HTTP conventions
    `error.type` is then the status code). An unhandled exception: `error.type` becomes its class
    (the instrumentation records its event and ERROR status itself). A handled server error
    (`server_error`): ERROR, `error.type` and one exception event. Never raises."""
    try:
        handled = g.pop("server_error", None) if exc is None else None
        if exc is None and handled is None:
            return
        from .service import record_error

        record_error(trace.get_current_span(), exc or handled, event=handled is not None)
    except Exception:
        pass


def init_app(app, tracing):
    if tracing.enabled:
        # OTEL's span carries the id, and its response propagator writes traceresponse.
        app.teardown_request(_record_server_error)
        return
    app.before_request(_assign_fallback_id)
    app.after_request(_trace_response)
