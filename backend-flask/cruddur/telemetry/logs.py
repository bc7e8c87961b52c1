"""Structured logs: JSON lines on stdout always, CloudWatch Logs through watchtower when
`CLOUDWATCH_LOG_GROUP` is set; one INFO access line per request carrying the trace ids."""
import logging
import os
import socket
import sys
import threading
import time
from queue import Empty

from flask import g, request
from pythonjsonlogger.json import JsonFormatter

from . import context

log = logging.getLogger("cruddur.telemetry.logs")
access_log = logging.getLogger("cruddur.access")

_state = {"stdout": None, "cloudwatch": None, "group": None, "pid": None, "warned": False}
FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
SEND_INTERVAL_SECONDS = 2
MAX_QUEUED_LINES = 10_000  # per stream; beyond it lines are dropped and counted, never buffered


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


def _bounded_handler_class():
    import watchtower

    class BoundedCloudWatchLogHandler(watchtower.CloudWatchLogHandler):
        """watchtower's handler with a bounded queue and a sender that wakes once per interval.

        While CloudWatch is down for minutes, memory stays flat: past MAX_QUEUED_LINES lines are
        dropped (counted in `dropped`) instead of queued. watchtower's sender wakes for every
        line it is given (a queue get per line); this one sleeps out the send interval after the
        first line and sends the lot, waking early only for flush() and close()."""

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
            if queue is not None and queue.qsize() >= MAX_QUEUED_LINES:
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


class TraceIdFilter(logging.Filter):
    """Stamp every record made inside a request with the request's trace ids."""

    def filter(self, record):
        if not hasattr(record, "trace_id"):
            try:
                record.trace_id, record.xray_trace_id = context.trace_ids() if request else (None, None)
            except Exception:
                record.trace_id = record.xray_trace_id = None
        return True


class JsonLineFormatter(JsonFormatter):
    """Formats a record once, however many handlers write it (stdout and CloudWatch)."""

    def format(self, record):
        line = record.__dict__.get("_json_line")
        if line is None:
            line = super().format(record)
            record._json_line = line
        return line


FORMATTER = JsonLineFormatter(FIELDS, rename_fields={"levelname": "level", "name": "logger", "asctime": "time"},
                              timestamp=False)


def configure(config):
    """Install the stdout handler once per process (idempotent across app factories)."""
    root = logging.getLogger()
    if _state["stdout"] is None:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(FORMATTER)
        handler.addFilter(TraceIdFilter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        for noisy in ("botocore", "boto3", "urllib3", "s3transfer"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        _state["stdout"] = handler
    _state["group"] = os.environ.get("CLOUDWATCH_LOG_GROUP") or None
    after_fork()


def _aws_ready():
    import boto3

    session = boto3.Session()
    missing = [what for what, ok in (("region", session.region_name), ("credentials", session.get_credentials()))
               if not ok]
    if missing and not _state["warned"]:
        _state["warned"] = True
        log.warning("CloudWatch Logs off: AWS %s missing", " and ".join(missing),
                    extra={"log_group": _state["group"]})
    return not missing


def _ensure_group(client, group):
    try:
        client.create_log_group(logGroupName=group)
    except client.exceptions.ResourceAlreadyExistsException:
        pass
    except Exception as exc:  # the handler retries delivery; this only warns
        log.warning("could not create the CloudWatch log group", extra={"error": type(exc).__name__})


def after_fork():
    """Build the watchtower handler for this process: its stream name is host and pid."""
    group = _state["group"]
    if not group or _state["pid"] == os.getpid() or not _aws_ready():
        return
    import boto3
    from botocore.config import Config

    root = logging.getLogger()
    if _state["cloudwatch"] is not None:
        root.removeHandler(_state["cloudwatch"])
    # watchtower builds well-formed PutLogEvents calls; botocore need not re-validate every event.
    client = boto3.client("logs", config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2},
                                                parameter_validation=False))
    handler = _bounded_handler_class()(
        log_group_name=group,
        log_stream_name=f"{socket.gethostname()}-{os.getpid()}",
        boto3_client=client,
        create_log_group=False,  # done off the start-up path below; __init__ would call AWS
        send_interval=SEND_INTERVAL_SECONDS,
    )
    handler.setFormatter(FORMATTER)
    handler.addFilter(TraceIdFilter())
    threading.Thread(target=_ensure_group, args=(client, group), name="cloudwatch-setup", daemon=True).start()
    root.addHandler(handler)
    _state.update(cloudwatch=handler, pid=os.getpid())


def shipping():
    return _state["cloudwatch"] is not None


def describe():
    if _state["cloudwatch"] is not None:
        return f"stdout + cloudwatch {_state['group']}"
    return "stdout"


def _start_timer():
    g.request_started = time.perf_counter()


def _access_line(response):
    started = g.get("request_started")
    user = g.get("current_user")
    access_log.info("request", extra={
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
        "user": user.handle if user else None,
        "client": request.remote_addr,
    })
    return response


def init_app(app):
    app.before_request(_start_timer)
    app.after_request(_access_line)


def unsent():
    """Lines still queued for CloudWatch (watchtower's public per-stream queues)."""
    handler = _state["cloudwatch"] or _state.get("closing")
    return sum(queue.qsize() for queue in handler.queues.values()) if handler is not None else 0


def shutdown(deadline):
    """Deliver what is queued. close() marks the handler shut, so the later flush and close from
    logging's own exit hook return at once instead of waiting 30 s a queue."""
    handler = _state["cloudwatch"]
    if handler is None:
        return
    logging.getLogger().removeHandler(handler)
    _state.update(cloudwatch=None, closing=handler)
    handler.close()
