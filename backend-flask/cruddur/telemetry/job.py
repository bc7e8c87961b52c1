"""Traces for work that runs outside any request, such as `flask --app app purge-expired`.

No middleware opens a segment there, so a run begins its own trace: a root span and an X-Ray
segment (named after the service, as a request's is) sharing one trace id, with one span and
one subsegment of the same name per step. A failure is recorded on both and becomes one
Rollbar item carrying the trace id."""
import os
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from opentelemetry import trace

from . import context
from .service import record_attributes
from .state import current, current_entity


@dataclass
class TraceIds:
    trace_id: str
    xray_trace_id: str

    def as_log_fields(self):
        return {"trace_id": self.trace_id, "xray_trace_id": self.xray_trace_id}


def _span(telemetry, name, **attributes):
    if telemetry is None or not telemetry.otel.enabled:
        return nullcontext(None)
    return telemetry.otel.tracer.start_as_current_span(
        name, kind=trace.SpanKind.INTERNAL, attributes={f"app.{k}": v for k, v in attributes.items()})


@contextmanager
def run(name, **attributes):
    """One trace for one run, in the current app's telemetry; yields its TraceIds. Exceptions are
    reported, then re-raised."""
    telemetry = current()
    with _span(telemetry, name, **attributes) as span:
        ctx = span.get_span_context() if span is not None else None
        trace_id = format(ctx.trace_id, "032x") if ctx is not None and ctx.is_valid else os.urandom(16).hex()
        ids = TraceIds(trace_id, context.to_xray(trace_id))
        # A run every few minutes is cheap to trace: sampled unless OTEL's sampler said otherwise.
        sampled = 1 if ctx is None or ctx.trace_flags.sampled else 0
        segment_cm = (telemetry.xray.recorder.in_segment(traceid=ids.xray_trace_id, sampling=sampled)
                      if telemetry is not None and telemetry.xray.enabled else nullcontext(None))
        with segment_cm as segment:
            if segment is not None and segment.sampled:
                segment.put_annotation("job", name)
                for key, value in attributes.items():
                    segment.put_metadata(key, value, "app")
            try:
                yield ids
            except Exception as exc:
                if telemetry is not None:
                    telemetry.rollbar.report_exception(exc, custom={**ids.as_log_fields(), "job": name})
                raise


@contextmanager
def step(name):
    """A child span and subsegment, both called `name`; yields a function recording app.* values."""
    telemetry = current()
    with _span(telemetry, name) as span:
        entity = current_entity()
        subsegment_cm = (telemetry.xray.recorder.in_subsegment(name) if entity is not None and entity.sampled
                         else nullcontext(None))
        with subsegment_cm as subsegment:
            yield lambda **values: record_attributes(span, subsegment, values)


def record(**values):
    """app.* values on the run's root span and segment (call it inside `run`, outside any step)."""
    record_attributes(trace.get_current_span(), current_entity(), values)
