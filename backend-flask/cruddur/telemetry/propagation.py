"""`X-Amzn-Trace-Id` in every form an AWS load balancer or a caller sends it.

An Application Load Balancer adds `Root=1-<8 hex>-<24 hex>` with no `Parent` (it records no
segment of its own), sometimes after `Self=…`, sometimes with `Sampled=0|1|?` or extra fields, in
any order. The installed `opentelemetry-propagator-aws-xray` (checked: 1.0.x) returns the context
unchanged when `Parent` is missing, and rejects the whole header over a field without `=`, a
trailing `;` or `Sampled=?`: the request then starts a new trace, and the load balancer's access
log names a trace that no span carries (upstream: opentelemetry-python-contrib#1378, #1875).

`XRayHeaderPropagator` extends the library's `AwsXRayPropagator` (its `inject` and `fields` are
kept) and reads the header with `parse` below:

- a valid `Root` and `Parent`: the caller's span is the remote parent, as the library does;
- a valid `Root` alone: the request continues that trace id. A span context needs a span id, so
  the parent span id is a stand-in derived from the Root (the same one on every extraction of
  one header); no span carries it. In X-Ray (SDK mode) the segment has no parent, as the X-Ray
  SDK itself does with such a header;
- sampling, with or without `Parent`: `Sampled=1` is the caller's "sampled" (honoured as a `traceparent`'s is, within
  CRUDDUR_TRACE_PARENT_BUDGET, telemetry/edge.py), `Sampled=0` is "not sampled"; with no flag
  (or `?`), the process's configured sampler decides on the Root, as it would for a new trace;
- anything else (no valid Root, a zero id, a header that is not text): ignored, a fresh trace.

It is composed before the W3C propagator (otel.py), so a valid `traceparent` wins over any
`X-Amzn-Trace-Id`: W3C Trace Context is the standard header, and a browser's `traceparent` names
a real parent span (its own) where the load balancer's Root names none."""
import hashlib
import re

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.propagators import ResponsePropagator, TraceResponsePropagator
from opentelemetry.instrumentation.propagators import default_setter as default_response_setter
from opentelemetry.propagators.aws import AwsXRayPropagator
from opentelemetry.propagators.textmap import default_getter

HEADER = "X-Amzn-Trace-Id"
MAX_HEADER_LENGTH = 1024  # longer values are not a trace header; not parsed
ROOT = re.compile(r"1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})")
PARENT = re.compile(r"[0-9a-fA-F]{16}")
SAMPLED = {"1": True, "0": False}  # "?" or anything else: no decision


class TraceHeader:
    """A valid X-Amzn-Trace-Id: `trace_id` (32 lowercase hex), `parent` (16 hex or None),
    `sampled` (True, False, or None when the header carries no decision)."""

    __slots__ = ("parent", "sampled", "trace_id")

    def __init__(self, trace_id, parent=None, sampled=None):
        self.trace_id, self.parent, self.sampled = trace_id, parent, sampled

    @property
    def xray_root(self):
        return f"1-{self.trace_id[:8]}-{self.trace_id[8:]}"

    def to_header(self):
        """The header the X-Ray SDK's parser reads: only the fields it understands, valid ones."""
        parts = [f"Root={self.xray_root}"]
        if self.parent:
            parts.append(f"Parent={self.parent}")
        if self.sampled is not None:
            parts.append(f"Sampled={int(self.sampled)}")
        return ";".join(parts)


def parse(value):
    """The TraceHeader in an X-Amzn-Trace-Id value, or None when it has no valid Root. Never raises."""
    if not isinstance(value, str) or len(value) > MAX_HEADER_LENGTH:
        return None
    fields = {}
    for part in value.split(";"):
        key, sep, field = part.partition("=")
        if sep:
            fields.setdefault(key.strip(), field.strip())  # the first of a repeated field counts
    root = ROOT.fullmatch(fields.get("Root", ""))
    if root is None:
        return None
    trace_id = (root.group(1) + root.group(2)).lower()
    if not trace_id.strip("0"):
        return None
    parent = fields.get("Parent", "")
    parent = parent.lower() if PARENT.fullmatch(parent) and parent.strip("0") else None
    return TraceHeader(trace_id, parent, SAMPLED.get(fields.get("Sampled")))


def stand_in_parent(trace_id):
    """A parent span id for a Root-only header: derived from the Root, never zero."""
    return int.from_bytes(hashlib.blake2b(trace_id.encode(), digest_size=8).digest(), "big") or 1


def _sampled_by_configured_sampler(trace_id):
    """The process's sampler on this trace id, as for a request with no caller (the global tracer
    provider's: the propagator is process-wide, as that provider is)."""
    sampler = getattr(trace.get_tracer_provider(), "sampler", None)
    if sampler is None:
        return False
    result = sampler.should_sample(Context(), trace_id, "", trace.SpanKind.SERVER)
    return result.decision.is_sampled()


class XRayHeaderPropagator(AwsXRayPropagator):
    """AwsXRayPropagator that also continues a Root without Parent (see the module)."""

    def extract(self, carrier, context=None, getter=default_getter):
        if context is None:
            context = Context()
        try:
            values = getter.get(carrier, HEADER)
            header = parse(values[0]) if values and len(values) == 1 else None
            if header is None:
                return context
            trace_id = int(header.trace_id, 16)
            span_id = int(header.parent, 16) if header.parent else stand_in_parent(header.trace_id)
            # No flag: the downstream decides (X-Ray's rule; the library would read "not sampled").
            sampled = header.sampled if header.sampled is not None else _sampled_by_configured_sampler(trace_id)
        except Exception:  # a caller's header never fails a request
            return context
        span_context = trace.SpanContext(
            trace_id=trace_id, span_id=span_id, is_remote=True,
            trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED if sampled else trace.TraceFlags.DEFAULT),
            trace_state=trace.TraceState())
        return trace.set_span_in_context(trace.NonRecordingSpan(span_context), context=context)


class TraceResponsePropagators(ResponsePropagator):
    """The W3C `traceresponse` header and, in the `otel` X-Ray mode (where no X-Ray middleware
    answers with it), `X-Amzn-Trace-Id: Root=…`: the id the X-Ray console finds the trace by."""

    def __init__(self, xray_header):
        self.trace_response = TraceResponsePropagator()
        self.xray_header = xray_header

    def inject(self, carrier, context=None, setter=default_response_setter):
        self.trace_response.inject(carrier, context=context, setter=setter)
        if not self.xray_header:
            return
        span_context = trace.get_current_span(context).get_span_context()
        if span_context.is_valid:
            setter.set(carrier, HEADER, f"Root={TraceHeader(format(span_context.trace_id, '032x')).xray_root}")
