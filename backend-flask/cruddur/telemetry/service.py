"""The one seam between services and telemetry: a span and a subsegment per service call."""
import functools

from aws_xray_sdk.core import xray_recorder
from opentelemetry import trace

from . import faults, otel, xray

# Annotations are indexed by X-Ray (searchable); every other app.* value goes to metadata.
INDEXED = frozenset({"user_handle", "activity_uuid", "message_group_uuid", "ttl"})


def service_call(func):
    """Wrap a service's `run`: an INTERNAL span and an X-Ray subsegment named after its module."""
    name = func.__module__.rsplit(".", 1)[-1]

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if otel.enabled() and not otel.unrecorded():  # a dropped request records no child span
            with otel.tracer().start_as_current_span(name, kind=trace.SpanKind.INTERNAL):
                return _in_subsegment(name, func, args, kwargs)
        return _in_subsegment(name, func, args, kwargs)

    wrapper.service_name = name
    return wrapper


def _in_subsegment(name, func, args, kwargs):
    entity = xray.current_entity()
    if entity is not None and entity.sampled:  # an unsampled segment would only get a dummy
        with xray_recorder.in_subsegment(name):
            faults.inject(name)
            return func(*args, **kwargs)
    faults.inject(name)
    return func(*args, **kwargs)


def annotate(**values):
    """Record `app.<key>` attributes on the service span and mirror them on the subsegment."""
    values = {k: v for k, v in values.items() if v is not None}
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attributes({f"app.{k}": v for k, v in values.items()})
    subsegment = xray.current_entity()
    if subsegment is not None and subsegment.sampled:
        for key, value in values.items():
            if key in INDEXED:
                subsegment.put_annotation(key, value)
            else:
                subsegment.put_metadata(key, value, "app")
