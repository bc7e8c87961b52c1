"""OpenTelemetry traces: X-Ray-compatible ids, W3C and X-Ray propagation, OTLP/HTTP export.

Export is on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) or
`OTEL_TRACES_EXPORTER` is set in app.config and `OTEL_SDK_DISABLED` is not true.

Each app has its own TracerProvider (`Tracing.provider`), given to its Flask instrumentation and
its engine's; the exporter is made once per process (after fork, under gunicorn). Three things are
process-wide by nature and are set once, by the first app with traces on: the global tracer
provider (which `requests` instrumentation and `trace.get_tracer` users reach), the global text
map propagator and the response propagator (the same for every app).

Semantic conventions: the instrumentations name attributes after `OTEL_SEMCONV_STABILITY_OPT_IN`
(Cruddur's default `http,database`: the stable names only; see `use_semconv_opt_in`)."""
import logging
import os
import re
from urllib.parse import parse_qsl, urlencode

from flask import request
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.instrumentation.propagators import set_global_response_propagator
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.re import parse_env_headers
from packaging.specifiers import SpecifierSet

from . import patches, resource, xray_mode
from .edge import EdgeIdGenerator
from .propagation import TraceResponsePropagators, XRayHeaderPropagator

log = logging.getLogger("cruddur.telemetry.otel")

_process = {"global_provider": None}  # the first app's provider, set as the global one


def exporter_name(config):
    if config["OTEL_SDK_DISABLED"].strip().lower() == "true":
        return None
    name = config["OTEL_TRACES_EXPORTER"].strip().lower()
    if name == "none":
        return None
    if name:
        return name
    if config["OTEL_EXPORTER_OTLP_ENDPOINT"] or config["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]:
        return "otlp"
    return None


def traces_endpoint(config):
    """The URL spans are posted to: the traces endpoint as given, else the base URL + /v1/traces."""
    return config["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] or (
        config["OTEL_EXPORTER_OTLP_ENDPOINT"].rstrip("/") + "/v1/traces")


# The values OTEL_SEMCONV_STABILITY_OPT_IN takes (comma-separated); `none`: the legacy names only.
SEMCONV_OPT_INS = ("http", "http/dup", "database", "database/dup", "gen_ai_latest_experimental", "none")
# use_semconv_opt_in sets the instrumentations' own switchboard, a private class of this distribution.
SEMCONV_CHECKED = ("opentelemetry-instrumentation", ">=0.66b1,<0.67")  # its patch releases; see patches.py


def use_semconv_opt_in(opt_in):
    """Make the instrumentations set up next name their attributes as `opt_in` asks.

    The instrumentations read OTEL_SEMCONV_STABILITY_OPT_IN from the environment once per process,
    the first time any of them is set up (`_OpenTelemetrySemanticConventionStability._initialize`),
    and each keeps the mode it was set up with: Flask's per app, SQLAlchemy's per engine, the
    `requests` instrumentation once per process (with the first app's setting). Cruddur's setting
    comes from app.config, so it is written on that switchboard right before the app's
    instrumentors run, parsed by the library's own rule (`_filter_mode`: `http/dup` wins over
    `http`): every app a process builds gets its own setting, whatever ran first. Returns the
    modes set, or None when the installed version is not the one this was checked against (the
    library then reads the environment itself, once)."""
    unknown = [t for t in (t.strip() for t in opt_in.split(",")) if t and t not in SEMCONV_OPT_INS]
    if unknown:
        log.warning("unknown OTEL_SEMCONV_STABILITY_OPT_IN values ignored", extra={"unknown": unknown})
    distribution, checked = SEMCONV_CHECKED
    version = patches.installed_version(distribution)
    if version is None or version not in SpecifierSet(checked, prereleases=True):
        log.warning("OTEL_SEMCONV_STABILITY_OPT_IN left to the instrumentations (read once per process, "
                    "from the environment): %s %s is not the checked %s", distribution, version, checked)
        return None
    from opentelemetry.instrumentation._semconv import (
        _OpenTelemetrySemanticConventionStability as Stability,
    )
    from opentelemetry.instrumentation._semconv import (
        _OpenTelemetryStabilitySignalType as Signal,
    )
    from opentelemetry.instrumentation._semconv import _StabilityMode as Mode

    tokens = [t.strip() for t in opt_in.split(",")]
    modes = {Signal.HTTP: Stability._filter_mode(tokens, Mode.HTTP, Mode.HTTP_DUP),
             Signal.DATABASE: Stability._filter_mode(tokens, Mode.DATABASE, Mode.DATABASE_DUP),
             Signal.GEN_AI: Stability._filter_mode(tokens, Mode.DEFAULT, Mode.GEN_AI_LATEST_EXPERIMENTAL)}
    with Stability._lock:
        Stability._OTEL_SEMCONV_STABILITY_SIGNAL_MAPPING = modes
        Stability._initialized = True
    return modes


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


class Tracing:
    """One app's traces: its provider and tracer, and this process's exporter for them."""

    def __init__(self, config):
        name = exporter_name(config)
        if name not in (None, "otlp", "console"):
            log.warning("unsupported OTEL_TRACES_EXPORTER, traces off", extra={"exporter": name})
            name = None
        self.exporter = name
        self.endpoint = traces_endpoint(config)
        self.headers = parse_env_headers(config["OTEL_EXPORTER_OTLP_HEADERS"], liberal=True)
        self.timeout = float(config["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"] or config["OTEL_EXPORTER_OTLP_TIMEOUT"])
        self.service_name = config["OTEL_SERVICE_NAME"]
        self.semconv_opt_in = config["OTEL_SEMCONV_STABILITY_OPT_IN"]
        self.provider = self.tracer = self.processor = self.pid = None
        self.parent_based = False

    @property
    def enabled(self):
        return self.provider is not None

    def unrecorded(self):
        """True inside a request that head sampling dropped: the current span is a valid, unrecorded
        one and the sampler follows the parent, so no child span would be recorded either."""
        if not self.parent_based:
            return False
        span = trace.get_current_span()
        return not span.is_recording() and span.get_span_context().is_valid

    def after_fork(self):
        """Attach a fresh exporter in this process (gunicorn calls this in post_fork)."""
        if self.provider is None or self.pid == os.getpid():
            return
        if self.provider.resource.attributes.get(resource.INSTANCE_ID) != resource.instance_id():
            log.warning("this app was built before fork: its spans carry the parent's service.instance.id")
        if self.exporter == "console":
            exporter = ConsoleSpanExporter()
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            # Everything from app.config; the endpoint argument is used as it is (no /v1/traces added).
            # A short timeout bounds the exporter's retries too.
            exporter = OTLPSpanExporter(endpoint=self.endpoint, headers=self.headers, timeout=self.timeout)
        self.processor = BatchSpanProcessor(exporter)
        self.provider.add_span_processor(self.processor)
        self.pid = os.getpid()

    def describe(self):
        if self.exporter is None:
            return "off"
        if self.exporter == "console":
            return "console"
        return f"otlp {self.endpoint}"

    def shutdown(self, deadline):
        if self.processor is not None and not deadline.expired():
            self.processor.force_flush(timeout_millis=int(deadline.remaining() * 1000))

    def unsent(self):
        return patches.queued_spans(self.processor) if self.processor is not None else 0


def own_endpoints(config):
    """URL patterns of the telemetry backends' own HTTP endpoints."""
    from .rollbar import endpoint_of

    endpoints = [endpoint_of(config["ROLLBAR_ENDPOINT"]), traces_endpoint(config)]
    return ["^" + re.escape(url) for url in endpoints if url.startswith(("http://", "https://"))]


def _set_process_globals(provider, config):
    """Once per process: the global provider, the propagators and the `requests` instrumentation."""
    if _process["global_provider"] is not None:
        return
    trace.set_tracer_provider(provider)
    propagate.set_global_textmap(CompositePropagator([XRayHeaderPropagator(), TraceContextTextMapPropagator()]))
    # With X-Ray made by the collector, no X-Ray middleware adds its response header: this does.
    xray_header = xray_mode.mode_of(config) == xray_mode.OTEL
    set_global_response_propagator(TraceResponsePropagators(xray_header=xray_header))
    # Telemetry never traces itself: the signals' own HTTP calls make no span and carry no trace
    # header (the OTLP exporter suppresses instrumentation itself; Rollbar's sender does not).
    RequestsInstrumentor().instrument(tracer_provider=provider, excluded_urls=",".join(own_endpoints(config)))
    _process["global_provider"] = provider


def init_app(app):
    tracing = Tracing(app.config)
    if tracing.exporter is None:
        return tracing
    # Before any instrumentor of this app runs (the `requests` one included, for the first app).
    use_semconv_opt_in(tracing.semconv_opt_in)
    # shutdown_on_exit=False: telemetry.shutdown flushes within Cruddur's shared time budget.
    provider = TracerProvider(resource=resource.create(app.config), id_generator=EdgeIdGenerator(),
                              shutdown_on_exit=False)
    _set_process_globals(provider, app.config)
    tracing.provider = provider
    tracing.tracer = provider.get_tracer("cruddur")
    tracing.parent_based = isinstance(provider.sampler, ParentBased)
    # enable_commenter=False: otherwise every request attaches a sqlcommenter context that only a
    # SQLAlchemy instrumentation with its own commenter on would read, and ours has it off.
    FlaskInstrumentor().instrument_app(app, tracer_provider=provider, enable_commenter=False)
    app.before_request(_scrub_request_span)
    with app.app_context():
        from ..db import db

        patches.instrument_engine(db.engine, provider, tracing.parent_based)
    tracing.after_fork()
    return tracing
