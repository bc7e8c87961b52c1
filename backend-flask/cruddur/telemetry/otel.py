"""OpenTelemetry traces: X-Ray-compatible ids, W3C and X-Ray propagation, OTLP/HTTP export.

Export is on when `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_TRACES_EXPORTER` is set and
`OTEL_SDK_DISABLED` is not true; the exporter is made once per process."""
import logging
import os
import re
from urllib.parse import parse_qsl, urlencode

from flask import request
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.instrumentation.propagators import TraceResponsePropagator, set_global_response_propagator
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.instrumentation.utils import unwrap
from opentelemetry.propagators.aws import AwsXRayPropagator
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy.engine import Engine
from wrapt import wrap_function_wrapper

log = logging.getLogger("cruddur.telemetry.otel")

EXPORT_TIMEOUT_SECONDS = 3
_state = {"tracer": None, "provider": None, "processor": None, "pid": None, "exporter": None,
          "parent_based": False}


def exporter_name(env=os.environ):
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return None
    name = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if name == "none":
        return None
    if name:
        return name
    if env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        return "otlp"
    return None


SENSITIVE_QUERY_KEY = re.compile(r"pass|token|secret|key|auth|session|cookie|sig|code", re.IGNORECASE)
URL_ATTRIBUTES = ("http.target", "http.url", "url.query", "url.full")


def scrub_query(query):
    """The query string with the values of secret-looking parameters replaced."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "REDACTED" if SENSITIVE_QUERY_KEY.search(k) else v) for k, v in pairs])


def _scrub_request_span():
    """The SERVER span records the raw query string; secrets in it must not leave. This hook runs
    right after the instrumentation's own (its request_hook would be overwritten) and before
    X-Ray's middleware, so it must never raise."""
    try:
        query = request.environ.get("QUERY_STRING")
        span = trace.get_current_span()
        if not query or not span.is_recording():
            return
        clean = scrub_query(query)
        if clean == query:
            return
        for name in URL_ATTRIBUTES:
            value = span.attributes.get(name)
            if isinstance(value, str) and query in value:
                span.set_attribute(name, value.replace(query, clean))
    except Exception:
        log.debug("could not scrub the request span", exc_info=True)


def _timeout_configured(env=os.environ):
    return any(env.get(name) for name in ("OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"))


def enabled():
    return _state["provider"] is not None


def provider():
    return _state["provider"]


def tracer():
    """Cruddur's tracer, made once: get_tracer builds a new Tracer on every call."""
    if _state["tracer"] is None:
        _state["tracer"] = trace.get_tracer("cruddur")
    return _state["tracer"]


def unrecorded():
    """True inside a request that head sampling dropped: the current span is a valid, unrecorded
    one and the sampler follows the parent, so no child span would be recorded either."""
    if not _state["parent_based"]:
        return False
    span = trace.get_current_span()
    return not span.is_recording() and span.get_span_context().is_valid


def _skip_unrecorded_statements(wrapped, instance, args, kwargs):
    """EngineTracer's per-statement hook makes a span, attributes and a context switch even when
    the span will not be recorded; in a dropped request, hand the statement straight back."""
    if unrecorded():
        conn, cursor, statement, params = args[:4]
        return statement, params
    return wrapped(*args, **kwargs)


def init_app(app):
    name = exporter_name()
    if name not in (None, "otlp", "console"):
        log.warning("unsupported OTEL_TRACES_EXPORTER, traces off", extra={"exporter": name})
        name = None
    _state["exporter"] = name
    if name is None:
        return
    if _state["provider"] is None:
        resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "backend-flask")})
        # shutdown_on_exit=False: telemetry.shutdown flushes within Cruddur's shared time budget.
        provider = TracerProvider(resource=resource, id_generator=AwsXRayIdGenerator(), shutdown_on_exit=False)
        trace.set_tracer_provider(provider)
        propagate.set_global_textmap(CompositePropagator([AwsXRayPropagator(), TraceContextTextMapPropagator()]))
        set_global_response_propagator(TraceResponsePropagator())
        RequestsInstrumentor().instrument(tracer_provider=provider)
        wrap_function_wrapper(EngineTracer, "_before_cur_exec", _skip_unrecorded_statements)
        _state.update(provider=provider, parent_based=isinstance(provider.sampler, ParentBased))
    # enable_commenter=False: otherwise every request attaches a sqlcommenter context that only a
    # SQLAlchemy instrumentation with its own commenter on would read, and ours has it off.
    FlaskInstrumentor().instrument_app(app, tracer_provider=_state["provider"], enable_commenter=False)
    app.before_request(_scrub_request_span)
    with app.app_context():
        from ..db import db

        SQLAlchemyInstrumentor().instrument(engine=db.engine, tracer_provider=_state["provider"])
    # The instrumentation also wraps Engine.connect in a "connect" span on every pool checkout,
    # which is not a database connection at all; one span fewer per request, and no orphans.
    unwrap(Engine, "connect")
    after_fork()


def after_fork():
    """Attach a fresh exporter in this process (gunicorn calls this in post_fork)."""
    provider = _state["provider"]
    if provider is None or _state["pid"] == os.getpid():
        return
    if _state["exporter"] == "console":
        exporter = ConsoleSpanExporter()
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        # A short export timeout (unless set by OTEL_EXPORTER_OTLP_*TIMEOUT) bounds the retries too.
        timeout = None if _timeout_configured() else EXPORT_TIMEOUT_SECONDS
        exporter = OTLPSpanExporter(timeout=timeout)
    processor = BatchSpanProcessor(exporter)
    provider.add_span_processor(processor)
    _state.update(processor=processor, pid=os.getpid())


def describe():
    name = _state["exporter"]
    if name is None:
        return "off"
    if name == "console":
        return "console"
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or (
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").rstrip("/") + "/v1/traces")
    return f"otlp {endpoint}"


def shutdown(deadline):
    processor = _state["processor"]
    if processor is not None and not deadline.expired():
        processor.force_flush(timeout_millis=int(deadline.remaining() * 1000))


def unsent():
    """Spans still queued in the batch processor. The SDK has no public count; its queue was
    checked against opentelemetry-sdk 1.45.1, and any other layout counts as unknown (-1)."""
    processor = _state["processor"]
    if processor is None:
        return 0
    queue = getattr(getattr(processor, "_batch_processor", None), "_queue", None)
    return len(queue) if queue is not None else -1
