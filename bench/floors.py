"""The benchmark's floors: Cruddur with every signal off, plus one required library alone, wired
as that library's own documentation wires it. What a floor costs over `bare` is the library's own
work; the report sets `full` beside the sum of them, so what Cruddur adds on top shows.

- floor-flask: the OpenTelemetry Flask instrumentation, exporting over OTLP/HTTP in batches.
- floor-sqlalchemy: the same, plus the SQLAlchemy instrumentation on the app's engine.
- floor-xray: X-Ray's Flask middleware with the SDK's UDP emitter and Cruddur's local rules.
- floor-logs: a watchtower handler on the root logger, shipping the JSON lines to CloudWatch Logs.

Rollbar has no floor: it works only when something fails, and the home feed does not.

Served as `gunicorn bench.floors:app` from backend-flask/, with the backend's gunicorn.conf.py
(no preload, so each worker builds its own exporter threads). CRUDDUR_BENCH_FLOOR names the floor,
and the receivers' addresses come in CRUDDUR_BENCH_* variables that the backend does not read."""
import logging
import os

FLOORS = ("floor-flask", "floor-sqlalchemy", "floor-xray", "floor-logs")


def _tracer_provider():
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(
        endpoint=os.environ["CRUDDUR_BENCH_OTLP_URL"] + "/v1/traces", timeout=3)))
    return provider


def _flask(app, with_sqlalchemy=False):
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    provider = _tracer_provider()
    FlaskInstrumentor().instrument_app(app, tracer_provider=provider)
    if with_sqlalchemy:
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        from cruddur.db import db

        with app.app_context():
            SQLAlchemyInstrumentor().instrument(engine=db.engine, tracer_provider=provider)


def _xray(app):
    from aws_xray_sdk import global_sdk_config
    from aws_xray_sdk.core import xray_recorder
    from aws_xray_sdk.core.sampling.local.sampler import LocalSampler
    from aws_xray_sdk.ext.flask.middleware import XRayMiddleware

    from cruddur.telemetry.xray import local_rules

    global_sdk_config.set_sdk_enabled(True)
    xray_recorder.configure(service="backend-flask", daemon_address=os.environ["CRUDDUR_BENCH_XRAY_ADDRESS"],
                            sampler=LocalSampler(local_rules()), context_missing="IGNORE_ERROR", plugins=())
    XRayMiddleware(app, xray_recorder)


def _logs(app):
    import boto3
    import watchtower

    from cruddur.telemetry.logs import FORMATTER

    client = boto3.client("logs", endpoint_url=os.environ["CRUDDUR_BENCH_MOTO_URL"], region_name="us-east-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench")
    handler = watchtower.CloudWatchLogHandler(log_group_name="cruddur-bench", boto3_client=client,
                                              log_stream_name=f"floor-{os.getpid()}", send_interval=2)
    handler.setFormatter(FORMATTER)
    logging.getLogger().addHandler(handler)


def build(floor):
    from app import app

    if floor == "floor-flask":
        _flask(app)
    elif floor == "floor-sqlalchemy":
        _flask(app, with_sqlalchemy=True)
    elif floor == "floor-xray":
        _xray(app)
    elif floor == "floor-logs":
        _logs(app)
    else:
        raise SystemExit(f"CRUDDUR_BENCH_FLOOR must be one of {', '.join(FLOORS)}, not {floor!r}")
    return app


def __getattr__(name):
    """`bench.floors:app` is built on first access, in the gunicorn worker: importing this module
    for FLOORS builds nothing."""
    if name == "app":
        globals()["app"] = build(os.environ.get("CRUDDUR_BENCH_FLOOR", ""))
        return globals()["app"]
    raise AttributeError(name)
