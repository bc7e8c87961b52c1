"""The one seam between services and telemetry: a span and a subsegment per service call."""
import functools

from opentelemetry import trace

from .state import current

# Annotations are indexed by X-Ray (searchable); every other app.* value goes to metadata.
INDEXED = frozenset({"user_handle", "activity_uuid", "message_group_uuid", "ttl"})


def service_call(func):
    """Wrap a service's `run`: an INTERNAL span and an X-Ray subsegment named after its module,
    both from the current app's telemetry, and the app's injected fault, if any."""
    name = func.__module__.rsplit(".", 1)[-1]

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        telemetry = current()
        if telemetry is None:  # no app context, or an app built without telemetry
            return func(*args, **kwargs)
        tracing = telemetry.otel
        if tracing.provider is not None and not tracing.unrecorded():  # a dropped request records no child
            with tracing.tracer.start_as_current_span(name, kind=trace.SpanKind.INTERNAL):
                return _in_subsegment(telemetry, name, func, args, kwargs)
        return _in_subsegment(telemetry, name, func, args, kwargs)

    wrapper.service_name = name
    return wrapper


def _in_subsegment(telemetry, name, func, args, kwargs):
    entity = telemetry.xray.current_entity()
    if entity is not None and entity.sampled:  # an unsampled segment would only get a dummy
        with telemetry.xray.recorder.in_subsegment(name):
            telemetry.faults.inject(name)
            return func(*args, **kwargs)
    telemetry.faults.inject(name)
    return func(*args, **kwargs)


def annotate(**values):
    """Record `app.<key>` attributes on the service span and mirror them on the subsegment."""
    values = {k: v for k, v in values.items() if v is not None}
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attributes({f"app.{k}": v for k, v in values.items()})
    telemetry = current()
    subsegment = telemetry.xray.current_entity() if telemetry is not None else None
    if subsegment is not None and subsegment.sampled:
        for key, value in values.items():
            if key in INDEXED:
                subsegment.put_annotation(key, value)
            else:
                subsegment.put_metadata(key, value, "app")
