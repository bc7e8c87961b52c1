"""Bench-only: Cruddur wired as the course's seed notes wire it, so `bin/bench` can measure the
difference. Not part of the app: bench/configs.py serves it, for the "course" configuration, as
`gunicorn bench.course_app:app` from backend-flask/ (the bench package is installed by bin/bootstrap --with-test-tools).

It builds the normal app with create_app, then adds what the course adds: spans also printed by
a synchronous console exporter (SimpleSpanProcessor), and an ERROR-level line on every request."""
import logging
from time import strftime

from flask import request
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

from cruddur import create_app
from cruddur.telemetry import EXTENSION

log = logging.getLogger("cruddur.course")


def _error_line_per_request(response):
    timestamp = strftime("[%Y-%b-%d %H:%M]")
    log.error("%s %s %s %s %s %s", timestamp, request.remote_addr, request.method, request.scheme,
              request.full_path, response.status)
    return response


def course_app():
    app = create_app()
    provider = app.extensions[EXTENSION].otel.provider
    if provider is not None:
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    app.after_request(_error_line_per_request)
    log.warning("course wiring on (benchmark only): console spans and an ERROR line per request")
    return app


app = course_app()
