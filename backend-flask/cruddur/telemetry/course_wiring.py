"""Bench-only: the course's wiring, reproduced so `bin/bench` can measure Cruddur against it.

With CRUDDUR_BENCH_COURSE_WIRING=1, spans are also printed by a synchronous console exporter
(SimpleSpanProcessor) and every request writes an ERROR-level line, as the seed notes wire them."""
import logging
from time import strftime

from flask import request

from . import otel

log = logging.getLogger("cruddur.course")


def _error_line_per_request(response):
    timestamp = strftime("[%Y-%b-%d %H:%M]")
    log.error("%s %s %s %s %s %s", timestamp, request.remote_addr, request.method, request.scheme,
              request.full_path, response.status)
    return response


def init_app(app):
    if not app.config.get("BENCH_COURSE_WIRING"):
        return
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

    if otel.enabled():
        otel.provider().add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    app.after_request(_error_line_per_request)
    log.warning("course wiring on (benchmark only): console spans and an ERROR line per request")
