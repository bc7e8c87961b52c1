"""The one seam between services and telemetry: a span and a subsegment per service call.

Errors follow OpenTelemetry's conventions and X-Ray's own flags. A client error (an ApiError or
HTTPException answered with a 4xx, which errors.py handles) raised in a service leaves its span
UNSET with no exception event, and flags its subsegment `error` (and `throttle` for a 429). Any
other exception leaves the service span ERROR with `error.type` (the exception's fully qualified
class name) and one exception event, and its subsegment `fault` with the exception as the SDK
records it."""
import functools

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from .faults import inject_faults
from .state import current, current_entity

ERROR_TYPE = "error.type"

# Annotations are indexed by X-Ray (searchable); every other app.* value goes to metadata.
INDEXED = frozenset({"user_handle", "activity_uuid", "message_group_uuid", "ttl"})


def service_call(func):
    """Wrap a service's `run`: an INTERNAL span and an X-Ray subsegment named after its module,
    both from the current app's telemetry, and inside them the app's injected fault, if any."""
    name = func.__module__.rsplit(".", 1)[-1]
    func = inject_faults(name)(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        telemetry = current()
        if telemetry is None:  # no app context, or an app built without telemetry
            return func(*args, **kwargs)
        tracing = telemetry.otel
        if tracing.provider is not None and not tracing.unrecorded():  # a dropped request records no child
            # The library would record every exception, a handled 4xx included; these spans
            # record only server errors (see the module).
            with tracing.tracer.start_as_current_span(name, kind=trace.SpanKind.INTERNAL, record_exception=False,
                                                      set_status_on_exception=False) as span:
                try:
                    return _in_subsegment(telemetry, name, func, args, kwargs)
                except Exception as exc:
                    if client_error_status(exc) is None:
                        record_error(span, exc)
                    raise
        return _in_subsegment(telemetry, name, func, args, kwargs)

    wrapper.service_name = name
    return wrapper


def _in_subsegment(telemetry, name, func, args, kwargs):
    entity = telemetry.xray.current_entity()
    if entity is not None and entity.sampled:  # an unsampled segment would only get a dummy
        client_error = None
        with telemetry.xray.recorder.in_subsegment(name) as subsegment:
            try:
                return func(*args, **kwargs)
            except Exception as exc:
                status = client_error_status(exc)
                if status is None or subsegment is None:
                    raise  # the SDK's context manager flags `fault` and records the exception
                subsegment.add_error_flag()
                if status == 429:
                    subsegment.add_throttle_flag()
                client_error = exc
        raise client_error  # past the subsegment, which is closed as a client error
    return func(*args, **kwargs)


def error_type(exc):
    """`error.type` for an exception: its fully qualified class name (builtins unqualified), the
    form the SDK gives `exception.type`."""
    cls = type(exc)
    module = cls.__module__
    return f"{module}.{cls.__qualname__}" if module and module != "builtins" else cls.__qualname__


def client_error_status(exc):
    """The 4xx status Cruddur answers this exception with (errors.py handles it), or None."""
    from werkzeug.exceptions import HTTPException

    from ..errors import ApiError

    status = exc.status if isinstance(exc, ApiError) else exc.code if isinstance(exc, HTTPException) else None
    return status if isinstance(status, int) and 400 <= status < 500 else None


def record_error(span, exc, event=True):
    """ERROR status, `error.type` and (with `event`) one exception event on `span`."""
    if not span.is_recording():
        return
    span.set_attribute(ERROR_TYPE, error_type(exc))
    span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
    if event:
        span.record_exception(exc)


def record_attributes(span, entity, values, indexed=frozenset()):
    """`app.<key>` attributes on `span` (when it records) and the same values on the X-Ray `entity`
    (when it is sampled): annotations for the `indexed` keys, metadata in the `app` namespace for
    the rest. None values are left out. The one place a value is written to both."""
    values = {k: v for k, v in values.items() if v is not None}
    if span is not None and span.is_recording():
        span.set_attributes({f"app.{k}": v for k, v in values.items()})
    if entity is not None and entity.sampled:
        for key, value in values.items():
            if key in indexed:
                entity.put_annotation(key, value)
            else:
                entity.put_metadata(key, value, "app")


def annotate(**values):
    """Record `app.<key>` attributes on the service span and mirror them on the subsegment."""
    record_attributes(trace.get_current_span(), current_entity(), values, INDEXED)
