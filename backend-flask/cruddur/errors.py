"""Every error response is made here: `{"errors": [codes…], "trace_id": "<32 hex>"}` with the right
status, never a stack trace. `trace_id` is the request's trace id, the one its access line and its
`traceresponse` header carry (telemetry/context.py's `trace_ids`, whether OTEL is on, off, or the
request was not sampled); it is left out when the request has none, never null."""
import logging
import re

from flask import jsonify
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from .telemetry.context import server_error, trace_ids

log = logging.getLogger("cruddur.errors")
TRACE_ID = re.compile(r"^(?!0{32}$)[0-9a-f]{32}$")


class ApiError(Exception):
    """A domain error raised by services and views; carries its status and error codes."""

    def __init__(self, status, *codes):
        super().__init__(", ".join(codes))
        self.status = status
        self.codes = list(codes)


def not_found(code="not_found"):
    return ApiError(404, code)


def _code_for(exc: HTTPException):
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


def _trace_id():
    try:
        trace_id, _ = trace_ids()
    except Exception:  # an error answer never fails for want of an id
        return None
    return trace_id if trace_id and TRACE_ID.match(trace_id) else None


def error_response(status, codes):
    body = {"errors": list(codes)}
    trace_id = _trace_id()
    if trace_id:
        body["trace_id"] = trace_id
    response = jsonify(body)
    response.status_code = status
    return response


def handle_api_error(exc: ApiError):
    return error_response(exc.status, exc.codes)


def handle_http_exception(exc: HTTPException):
    response = error_response(exc.code or 500, [_code_for(exc)])
    if exc.code == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def handle_internal_error(exc: InternalServerError):
    # Unhandled exceptions arrive here wrapped; Flask has already sent
    # got_request_exception (so Rollbar saw it) and logged the traceback.
    return error_response(500, ["internal_error"])


def handle_database_unavailable(exc: OperationalError):
    """The database is unreachable (down, restarting, refusing), or it stopped a statement that
    ran past CRUDDUR_STATEMENT_TIMEOUT_MS (db.py): 503, reported to Rollbar explicitly because a
    registered handler keeps Flask from sending got_request_exception."""
    from .db import is_statement_timeout
    from .telemetry import rollbar as error_reporting

    code = "database_timeout" if is_statement_timeout(exc) else "database_unavailable"
    log.warning("%s: %s", code.replace("_", " "), type(exc.orig).__name__ if exc.orig else type(exc).__name__)
    error_reporting.report_exception(exc)
    server_error(exc)  # a server error: the SERVER span records it (ERROR, error.type, one event)
    response = error_response(503, [code])
    response.headers["Retry-After"] = "5"
    return response


def init_app(app):
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_internal_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
