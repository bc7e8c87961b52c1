"""Structured logs: JSON lines on stdout always, CloudWatch Logs through watchtower when
`CLOUDWATCH_LOG_GROUP` is set; one INFO access line per request carrying the trace ids.

Logging's handlers live on the root logger, which is process-wide by nature: the stdout handler
is installed once per process, for every app. Each app with CloudWatch on owns its own handler
(`Logs.cloudwatch`, its region and endpoint from app.config), which takes only the lines made in
that app's context, or outside any app."""
import logging
import os
import socket
import sys
import threading
import time

from flask import g, request
from pythonjsonlogger.json import JsonFormatter

from . import context, patches
from .state import current

log = logging.getLogger("cruddur.telemetry.logs")
access_log = logging.getLogger("cruddur.access")

_process = {"stdout": None}  # the stdout handler on the root logger, one per process
FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
SEND_INTERVAL_SECONDS = 2
MAX_QUEUED_LINES = 10_000  # per stream; beyond it lines are dropped and counted, never buffered


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


def configure_process():
    """Install the stdout handler once per process (idempotent across app factories)."""
    root = logging.getLogger()
    if _process["stdout"] is None:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(FORMATTER)
        handler.addFilter(TraceIdFilter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        for noisy in ("botocore", "boto3", "urllib3", "s3transfer"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        _process["stdout"] = handler


class OwnAppFilter(logging.Filter):
    """A CloudWatch handler takes the lines of its own app's requests (and lines made outside any
    app): with two apps in one process, each app's lines reach only its own log group."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner

    def filter(self, record):
        owner = current()
        return owner is None or owner is self.owner


def _ensure_group(client, group):
    try:
        client.create_log_group(logGroupName=group)
    except client.exceptions.ResourceAlreadyExistsException:
        pass
    except Exception as exc:  # the handler retries delivery; this only warns
        log.warning("could not create the CloudWatch log group", extra={"error": type(exc).__name__})


class Logs:
    """One app's CloudWatch shipping (stdout is the process's, shared by every app)."""

    def __init__(self, config, owner):
        self.group = config["CLOUDWATCH_LOG_GROUP"] or None
        self.region = config["AWS_DEFAULT_REGION"] or None
        self.endpoint_url = config["AWS_ENDPOINT_URL"] or None
        # The local AWS (config.py) takes any credentials; real ones come from boto3's own chain.
        self.credentials = ({"aws_access_key_id": "local", "aws_secret_access_key": "local"}
                            if config.get("LOCAL_AWS") else {})
        self.owner = owner
        self.cloudwatch = self.closing = self.pid = None
        self.warned = False

    def _aws_ready(self):
        import boto3

        session = boto3.Session(region_name=self.region, **self.credentials)
        missing = [what for what, ok in (("region", session.region_name), ("credentials", session.get_credentials()))
                   if not ok]
        if missing and not self.warned:
            self.warned = True
            log.warning("CloudWatch Logs off: AWS %s missing", " and ".join(missing),
                        extra={"log_group": self.group})
        return not missing

    def after_fork(self):
        """Build the watchtower handler for this process: its stream name is host and pid."""
        if not self.group or self.pid == os.getpid() or not self._aws_ready():
            return
        import boto3
        from botocore.config import Config

        root = logging.getLogger()
        if self.cloudwatch is not None:
            root.removeHandler(self.cloudwatch)
        # watchtower builds well-formed PutLogEvents calls; botocore need not re-validate every event.
        # Credentials come from boto3's own chain (environment, profile, instance role).
        client = boto3.client("logs", region_name=self.region, endpoint_url=self.endpoint_url, **self.credentials,
                              config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2},
                                            parameter_validation=False))
        handler = patches.bounded_cloudwatch_handler(MAX_QUEUED_LINES)(
            log_group_name=self.group,
            log_stream_name=f"{socket.gethostname()}-{os.getpid()}",
            boto3_client=client,
            create_log_group=False,  # done off the start-up path below; __init__ would call AWS
            send_interval=SEND_INTERVAL_SECONDS,
        )
        handler.setFormatter(FORMATTER)
        handler.addFilter(TraceIdFilter())
        handler.addFilter(OwnAppFilter(self.owner))
        threading.Thread(target=_ensure_group, args=(client, self.group), name="cloudwatch-setup",
                         daemon=True).start()
        root.addHandler(handler)
        self.cloudwatch, self.pid = handler, os.getpid()

    @property
    def shipping(self):
        return self.cloudwatch is not None

    def describe(self):
        if self.cloudwatch is not None:
            return f"stdout + cloudwatch {self.group}"
        return "stdout"

    def unsent(self):
        """Lines still queued for CloudWatch (watchtower's public per-stream queues)."""
        handler = self.cloudwatch or self.closing
        return sum(queue.qsize() for queue in handler.queues.values()) if handler is not None else 0

    def shutdown(self, deadline):
        """Deliver what is queued. close() marks the handler shut, so the later flush and close from
        logging's own exit hook return at once instead of waiting 30 s a queue."""
        handler = self.cloudwatch
        if handler is None:
            return
        logging.getLogger().removeHandler(handler)
        self.cloudwatch, self.closing = None, handler
        handler.close()


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
