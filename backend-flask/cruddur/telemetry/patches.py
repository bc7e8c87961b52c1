"""Every use Cruddur makes of a library's private API, in one place.

Each patch names the distribution and the range of versions it holds for: the release it was
checked against (the pin in requirements.txt) and that release's later patch releases, which these
projects' changelogs keep to fixes (a minor release is where their internals move). A new minor
release is refused until the patch is checked against it and the range widened.
`version_problems()` compares the ranges with what is installed; start-up (telemetry.init_app, and
gunicorn's arbiter, which loads this file by its path) refuses to run outside them, so an upgrade
fails here, loudly, instead of somewhere at run time.

This module imports no library at load time (each patch imports what it needs), and nothing from
Cruddur: gunicorn.conf.py checks the versions before any worker, or the app, exists."""
import functools
import importlib.metadata
import logging
import threading
import time
from queue import Empty

from packaging.specifiers import SpecifierSet

log = logging.getLogger("cruddur.telemetry.patches")

# distribution -> (the versions each patch below holds for, what relies on them)
CHECKED = {
    "watchtower": (">=3.4.0,<3.5", "bounded_cloudwatch_handler: CloudWatchLogHandler's _get_stream_name, "
                                   "_dequeue_batch, _submit_batch, _size"),
    "rollbar": (">=1.5.0,<1.6", "rollbar_pending, rollbar_shutdown: rollbar.lib.thread_pool._pool"),
    "aws-xray-sdk": (">=2.15.0,<2.16", "close_udp_emitter, local_sampler_rules: UDPEmitter._socket, "
                                       "LocalSampler._rules"),
    # OpenTelemetry Python releases the SDK (1.x) and contrib (0.xb) together, a minor each month.
    "opentelemetry-sdk": (">=1.45.1,<1.46", "queued_spans: BatchSpanProcessor._batch_processor._queue"),
    "opentelemetry-instrumentation-sqlalchemy": (">=0.66b1,<0.67", "instrument_engine: EngineTracer, "
                                                                    "_before_cur_exec, _semconv"),
}


def installed_version(distribution):
    """The installed version of a distribution, or None when it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def version_problems():
    """One line per installed distribution outside the range its patches hold for."""
    problems = []
    for distribution, (checked, patches) in CHECKED.items():
        version = installed_version(distribution)
        if version is None or version not in SpecifierSet(checked, prereleases=True):
            problems.append(f"{distribution} {version or 'is not installed'} is outside {distribution}{checked}, "
                            f"the versions cruddur/telemetry/patches.py holds for ({patches}); "
                            f"install the pin from requirements.txt, or re-check the patch and widen its range")
    return problems


# -- Rollbar: its thread pool has no public size or shutdown ---------------------------------------

def _rollbar_pool():
    from rollbar.lib import thread_pool

    return thread_pool._pool


def rollbar_pending():
    """Items queued in Rollbar's thread pool, not yet taken by a sender thread."""
    pool = _rollbar_pool()
    return pool._work_queue.qsize() if pool is not None else 0


def rollbar_shutdown():
    pool = _rollbar_pool()
    if pool is not None:
        pool.shutdown(wait=True)


# -- X-Ray: a recorder's default emitter opens a UDP socket the SDK never closes; a LocalSampler ---
# -- does not show its rules ----------------------------------------------------------------------

def close_udp_emitter(emitter):
    sock = getattr(emitter, "_socket", None)
    if sock is not None:
        sock.close()


def local_sampler_rules(sampler):
    """The rules a LocalSampler applies (SamplingRule objects: .rate, .fixed_target), else []."""
    return list(getattr(sampler, "_rules", None) or [])


# -- OpenTelemetry SDK: the batch processor has no public queue length ------------------------------

def queued_spans(processor):
    """Spans still queued in a BatchSpanProcessor, or -1 if its layout is not the one checked."""
    queue = getattr(getattr(processor, "_batch_processor", None), "_queue", None)
    return len(queue) if queue is not None else -1


# -- SQLAlchemy instrumentation: one engine, one tracer provider, no global wrapping ---------------

def instrument_engine(engine, tracer_provider, parent_based):
    """What SQLAlchemyInstrumentor().instrument(engine=...) does for one engine, without the rest.

    The instrumentor is a process-wide singleton: it instruments once, and its first call also wraps
    sqlalchemy.create_engine (every later engine, whichever app made it, would trace into the first
    app's provider) and Engine.connect (a "connect" span per pool checkout, not a connection at all).
    Each app's engine gets its own EngineTracer here, with that app's provider.

    With a parent-based sampler, a statement inside a dropped request is handed straight back: the
    EngineTracer would otherwise make a span, attributes and a context switch that nothing records."""
    from opentelemetry.instrumentation._semconv import (
        _get_schema_url_for_signal_types,
        _OpenTelemetryStabilitySignalType,
    )
    from opentelemetry.instrumentation.sqlalchemy import __name__ as scope_name
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.instrumentation.sqlalchemy.version import __version__
    from opentelemetry.metrics import get_meter
    from opentelemetry.semconv.metrics import MetricInstruments
    from opentelemetry.trace import get_current_span, get_tracer

    schema_url = _get_schema_url_for_signal_types([_OpenTelemetryStabilitySignalType.DATABASE,
                                                   _OpenTelemetryStabilitySignalType.HTTP])
    tracer = get_tracer(scope_name, __version__, tracer_provider, schema_url=schema_url)
    meter = get_meter(scope_name, __version__, None, schema_url=schema_url)
    connections_usage = meter.create_up_down_counter(
        name=MetricInstruments.DB_CLIENT_CONNECTIONS_USAGE, unit="connections",
        description="The number of connections that are currently in state described by the state attribute.")

    class SkippingEngineTracer(EngineTracer):
        def _before_cur_exec(self, conn, cursor, statement, params, context, executemany):
            if parent_based:
                span = get_current_span()
                if not span.is_recording() and span.get_span_context().is_valid:
                    return statement, params
            return super()._before_cur_exec(conn, cursor, statement, params, context, executemany)

    # enable_commenter=False: otherwise every statement carries a sqlcommenter context nobody reads.
    return SkippingEngineTracer(tracer, engine, connections_usage, enable_commenter=False)


# -- watchtower: a bounded queue and a sender that wakes once per interval -------------------------

def _drain(queue):
    items = []
    while True:
        try:
            items.append(queue.get_nowait())
        except Empty:
            return items


def _batches(lines, max_size, max_count, size_of):
    batch, size = [], 0
    for line in lines:
        line_size = size_of(line)
        if batch and (size + line_size > max_size or len(batch) >= max_count):
            yield batch
            batch, size = [], 0
        batch.append(line)
        size += line_size
    if batch:
        yield batch


@functools.cache
def bounded_cloudwatch_handler(max_queued_lines):
    """watchtower's CloudWatchLogHandler with a bounded queue and a sender that wakes once per interval.

    While CloudWatch is down for minutes, memory stays flat: past `max_queued_lines` lines a stream
    drops lines (counted in `dropped`) instead of queueing them. watchtower's sender wakes for every
    line it is given (a queue get per line); this one sleeps out the send interval after the first
    line and sends the lot, waking early only for flush() and close()."""
    import watchtower

    class BoundedCloudWatchLogHandler(watchtower.CloudWatchLogHandler):
        dropped = 0

        def __init__(self, *args, **kwargs):
            self._flush_requested = threading.Event()
            super().__init__(*args, **kwargs)

        def _get_stream_name(self, message):
            # watchtower fills a name template (host, time, thread...) for every line; this stream's
            # name is fixed for the process (host and pid), so it is used as it is.
            return self.log_stream_name

        def emit(self, record):
            queue = self.queues.get(self.log_stream_name)
            if queue is not None and queue.qsize() >= max_queued_lines:
                type(self).dropped += 1
                return
            super().emit(record)

        def flush(self):
            self._flush_requested.set()
            try:
                super().flush()
            finally:
                self._flush_requested.clear()

        def _dequeue_batch(self, my_queue, stream_name, send_interval, max_batch_size, max_batch_count):
            sentinels = (self.END, self.FLUSH)
            while True:
                first = my_queue.get()
                deadline = time.monotonic() + send_interval
                while (first not in sentinels and time.monotonic() < deadline and not self.shutting_down
                       and not self._flush_requested.is_set()):
                    time.sleep(0.05)
                items = [first, *_drain(my_queue)]
                lines = [item for item in items if item not in sentinels]
                for batch in _batches(lines, max_batch_size, max_batch_count, self._size):
                    self._submit_batch(batch, stream_name)
                for _ in items:
                    my_queue.task_done()
                if self.END in items:
                    return

    return BoundedCloudWatchLogHandler
