"""Head sampling, decided once per request at the edge of the app.

A request the sampler drops still gets its trace id: the log line, `traceresponse` and (with
X-Ray on) `X-Amzn-Trace-Id` carry it, and the services and SQL statements see a valid but
unrecorded span. What it skips is everything that only a recorded trace needs: the Flask
instrumentation's WSGI wrapper and hooks (attribute collection, span building, metrics), and
X-Ray's middleware (header parsing, its own sampling, a dummy segment).

The decision is the configured sampler's own, made with the same inputs the tracer would give
it: the context propagated by the caller (W3C `traceparent` or `X-Amzn-Trace-Id`) and the trace id
the request's span will carry. With OTEL off and X-Ray on, it is X-Ray's rule-based decision,
written back into the header so that the middleware does not take a second sample from the
reservoir.

A caller's "sampled" flag is a request to spend export volume, and anyone can send it. It is
honoured within a budget (`CRUDDUR_TRACE_PARENT_BUDGET`, a token bucket per process, e.g.
`10/second`); past it, the local sampler decides as if the caller had said nothing. With OTEL
on, the budget is spent only where the local sampler would have dropped the request; X-Ray's rules
(whose reservoir is spent by asking) are asked only once the budget is spent. The caller's trace id
is kept either way. A caller's "not sampled" is always honoured: it can only lower the volume."""
import contextvars
import logging
import re
import threading
import time
from contextlib import contextmanager

from flask import request
from limits import parse
from opentelemetry import context, propagate, trace
from opentelemetry.instrumentation.propagators import get_global_response_propagator
from opentelemetry.instrumentation.wsgi import default_response_propagation_setter, wsgi_getter
from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator

from . import propagation

log = logging.getLogger("cruddur.telemetry.edge")

UNSAMPLED = "cruddur.unsampled"  # environ key: set on requests the sampler dropped
XRAY_HEADER = "HTTP_X_AMZN_TRACE_ID"
XRAY_ROOT = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")
NO_PARENT = context.Context()  # an empty context: the sampler's view of a request with no caller


class EdgeIdGenerator(AwsXRayIdGenerator):
    """X-Ray-compatible ids, where the server span of a sampled request takes the trace id the
    edge decided with: a ratio sampler asked twice about two different ids would sample only
    ratio² of the requests."""

    _decided = contextvars.ContextVar("cruddur_decided_trace_id", default=None)

    def generate_trace_id(self):
        decided = self._decided.get()
        if decided is not None:
            self._decided.set(None)  # once: only the request's root span takes it
            return decided
        return super().generate_trace_id()

    def fresh_trace_id(self):
        return super().generate_trace_id()

    @classmethod
    def decide(cls, trace_id):
        """The next root span's trace id (None: a fresh one, as usual)."""
        cls._decided.set(trace_id)


class ParentBudget:
    """A token bucket: `amount` caller-sampled decisions honoured per `period` seconds, at most
    `amount` at once. Per process and lock-guarded (a gthread worker's threads share it)."""

    def __init__(self, limit):
        try:  # flask-limiter's syntax, as every other limit: "10/second", "600/minute"
            item = parse(limit)
        except ValueError:
            raise RuntimeError(f"CRUDDUR_TRACE_PARENT_BUDGET must be a rate such as 10/second, not {limit!r}") from None
        self.amount, self.period = item.amount, item.get_expiry()
        self.tokens = float(self.amount)
        self.updated = time.monotonic()
        self.refused = 0  # caller-sampled requests sampled locally instead
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.amount, self.tokens + (now - self.updated) * self.amount / self.period)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            self.refused += 1
            return False


DEFAULT_PARENT_BUDGET = "10/second"


def _parent_budget_of(app):
    """The budget configured on the Flask app whose own `wsgi_app` the edge wraps (the default
    for any other WSGI app)."""
    config = getattr(getattr(app, "__self__", None), "config", None)
    return ParentBudget((config or {}).get("CRUDDUR_TRACE_PARENT_BUDGET") or DEFAULT_PARENT_BUDGET)


def skip_when_unsampled(hook):
    """The hook, run only for requests the sampler kept. An after_request hook must hand the
    response back, so a skipped hook returns its first argument."""

    def hook_unless_unsampled(*args):
        if request.environ.get(UNSAMPLED):
            return args[0] if args else None
        return hook(*args)

    hook_unless_unsampled.__wrapped__ = hook
    return hook_unless_unsampled


@contextmanager
def only_for_sampled_requests(app):
    """Every request hook registered on `app` inside this block runs only for sampled requests.
    Flask's public hook registries are rewritten in place, so the hooks keep their order."""
    registries = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    existing = [list(registry.get(None, ())) for registry in registries]
    yield
    for registry, before in zip(registries, existing, strict=True):
        registry[None] = [hook if hook in before else skip_when_unsampled(hook) for hook in registry.get(None, ())]


class EdgeSampling:
    """WSGI middleware: sampled requests go through the instrumented app, dropped ones straight
    to Flask with an unrecorded span context current."""

    def __init__(self, traced_app, untraced_app, provider=None, recorder=None, parent_budget=None):
        self.traced_app = traced_app
        self.untraced_app = untraced_app
        self.provider = provider
        self.recorder = recorder  # X-Ray's, when X-Ray is on
        self.parent_budget = (ParentBudget(parent_budget) if isinstance(parent_budget, str)
                              else parent_budget or _parent_budget_of(untraced_app))
        self.response_propagator = get_global_response_propagator() if provider is not None else None

    def __call__(self, environ, start_response):
        decide = self._otel_decision if self.provider is not None else self._xray_decision
        try:
            unsampled = decide(environ)
        except Exception:  # telemetry never fails a request: trace it the libraries' own way
            log.debug("could not decide sampling at the edge", exc_info=True)
            unsampled = None
        if unsampled is None:
            try:
                return self.traced_app(environ, start_response)
            finally:
                EdgeIdGenerator.decide(None)  # unused if no span took it (a request hook failed)
        environ[UNSAMPLED] = True
        token = context.attach(trace.set_span_in_context(trace.NonRecordingSpan(unsampled)))
        try:
            return self.untraced_app(environ, self._with_trace_headers(start_response, unsampled))
        finally:
            context.detach(token)

    def _otel_decision(self, environ):
        """None when the request is to be traced, else the span context it carries unrecorded."""
        parent_context = propagate.extract(environ, getter=wsgi_getter)
        parent = trace.get_current_span(parent_context).get_span_context()
        ids = self.provider.id_generator
        edge_ids = isinstance(ids, EdgeIdGenerator)
        fresh = ids.fresh_trace_id if edge_ids else ids.generate_trace_id
        trace_id = parent.trace_id if parent.is_valid else fresh()
        name = f"{environ.get('REQUEST_METHOD', 'GET')} {environ.get('PATH_INFO', '/')}"
        sampler = self.provider.sampler
        if parent.is_valid and parent.trace_flags.sampled:
            # The local sampler's own choice, as if the caller had sent only its trace id; the
            # caller's "sampled" is honoured beyond it only while the budget lasts.
            result = sampler.should_sample(NO_PARENT, trace_id, name, trace.SpanKind.SERVER)
            if not result.decision.is_recording() and self.parent_budget.take():
                result = sampler.should_sample(parent_context, trace_id, name, trace.SpanKind.SERVER)
        else:
            result = sampler.should_sample(parent_context, trace_id, name, trace.SpanKind.SERVER)
        if result.decision.is_recording():
            if not parent.is_valid and edge_ids:
                ids.decide(trace_id)
            return None
        return trace.SpanContext(trace_id, ids.generate_span_id(), is_remote=False,
                                 trace_flags=trace.TraceFlags(trace.TraceFlags.DEFAULT),
                                 trace_state=result.trace_state)

    def _xray_decision(self, environ):
        from aws_xray_sdk.core.models.trace_header import TraceHeader
        from aws_xray_sdk.core.models.traceid import TraceId
        from aws_xray_sdk.ext.util import calculate_sampling_decision, calculate_segment_name

        raw = environ.get(XRAY_HEADER)
        # Cruddur's parser first (a load balancer's forms, with spaces); the SDK's reads what it wrote.
        valid = propagation.parse(raw) if raw else None
        header = TraceHeader.from_header_str(valid.to_header() if valid else raw) if raw else TraceHeader()
        if header.sampled == 1 and not self.parent_budget.take():
            # Past the budget, the rules decide as if the caller had not asked (root id kept).
            header = TraceHeader(root=header.root, parent=header.parent, data=header.data)
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        sampling_request = {"host": host, "method": environ.get("REQUEST_METHOD", "GET"),
                            "path": environ.get("PATH_INFO", "/"),
                            "service": calculate_segment_name(host, self.recorder)}
        decision = calculate_sampling_decision(trace_header=header, recorder=self.recorder,
                                               sampling_req=sampling_request)
        if decision:
            # The middleware honours a decision in the header instead of sampling again.
            environ[XRAY_HEADER] = TraceHeader(root=header.root, parent=header.parent, sampled=1).to_header_str()
            return None
        root = header.root if header.root and XRAY_ROOT.match(header.root) else TraceId().to_id()
        trace_id = int(root[2:].replace("-", ""), 16)
        return trace.SpanContext(trace_id, AwsXRayIdGenerator.random_id_generator.generate_span_id(),
                                 is_remote=False, trace_flags=trace.TraceFlags(trace.TraceFlags.DEFAULT))

    def _with_trace_headers(self, start_response, span_context):
        hex_id = format(span_context.trace_id, "032x")
        xray_root = f"Root=1-{hex_id[:8]}-{hex_id[8:]}" if self.recorder is not None else None

        def start_response_with_trace_headers(status, headers, exc_info=None):
            if self.response_propagator is not None:
                self.response_propagator.inject(headers, setter=default_response_propagation_setter)
            if xray_root is not None:
                headers.append(("X-Amzn-Trace-Id", xray_root))
            return start_response(status, headers, exc_info)

        return start_response_with_trace_headers
