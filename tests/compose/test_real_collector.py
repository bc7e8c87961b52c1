"""The shipped collector configs run by the real OpenTelemetry Collector, built by the Collector Builder
from otel-collector/builder-config.yaml (testkit/go_programs.py, cached by version): `validate` on every
config combination compose starts it with, `components` equal to the manifest, and a span sent over
OTLP/HTTP protobuf through the collector into a real Jaeger v2 on loopback, read back from Jaeger's
query API. Then the real X-Ray daemon in local mode uploading a UDP segment to moto's X-Ray API.

The first run builds the Go programs (minutes); later runs take them from the cache."""
import json
import os
import socket
import subprocess
import time

import pytest
import requests
import yaml
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from testkit import go_programs
from testkit.net import free_port, wait_for_http
from testkit.receivers import MotoServer, wait_until
from testkit.workers import progress_line

from .collector_run import CONFIG_DIR, collector_configs, collector_env, running_collector, start, stop

pytestmark = pytest.mark.timeout(1800)  # the first run builds the programs

HONEYCOMB_ON = {"HONEYCOMB_API_KEY": "cruddur-dummy-key"}


@pytest.fixture(scope="module")
def otelcol(request):
    return go_programs.collector(progress=lambda text: progress_line(request.config, text)).path


@pytest.fixture(scope="module")
def jaeger_bin(request):
    return go_programs.jaeger(progress=lambda text: progress_line(request.config, text)).path


def component_types(paths):
    """{kind: {type}} named by the configs (`otlp_grpc/jaeger` is of type `otlp_grpc`)."""
    found = {kind: set() for kind in ("receivers", "processors", "exporters", "extensions", "connectors")}
    for path in paths:
        data = yaml.safe_load(path.read_text()) or {}
        for kind, names in found.items():
            for name in data.get(kind) or {}:
                names.add(name.split("/")[0])
    return found


XRAY_OTEL = {"CRUDDUR_XRAY_MODE": "otel"}
AWS_KEY = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example"}


@pytest.mark.parametrize("env", [{}, HONEYCOMB_ON, XRAY_OTEL, {**HONEYCOMB_ON, **XRAY_OTEL, **AWS_KEY}],
                         ids=["jaeger-only", "with-honeycomb", "xray-otel", "all-with-aws"])
def test_collector_validates_every_shipped_config_combination(otelcol, compose_with, env):
    configs = collector_configs(compose_with, env)
    export = "export-jaeger-honeycomb.yml" if "HONEYCOMB_API_KEY" in env else "export-jaeger.yml"
    expected = ["otelcol-config.yml", export, f"xray-{env.get('CRUDDUR_XRAY_MODE', 'sdk')}.yml",
                "xray-endpoint-aws.yml" if "AWS_ACCESS_KEY_ID" in env else "xray-endpoint.yml"]
    assert [p.name for p in configs] == expected
    proc = subprocess.run([otelcol, "validate", *(f"--config={p}" for p in configs)], env=collector_env(env),
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_collector_has_exactly_the_manifest_components(otelcol):
    proc = subprocess.run([otelcol, "components"], capture_output=True, text=True, timeout=60, check=True)
    listed = yaml.safe_load(proc.stdout)
    manifest = go_programs.manifest_components()
    for kind, modules in manifest.items():
        assert sorted(c["module"] for c in listed.get(kind) or []) == sorted(modules), kind
    # and those components are exactly the types the shipped configs name
    used = component_types(sorted(CONFIG_DIR.glob("*.yml")))
    for kind, types in used.items():
        assert {c["name"] for c in listed.get(kind) or []} == types, kind


@pytest.fixture(scope="module")
def jaeger(jaeger_bin, tmp_path_factory):
    """Jaeger v2 all-in-one on loopback: OTLP gRPC in, memory storage, the query API."""
    folder = tmp_path_factory.mktemp("jaeger")
    ports = {name: free_port() for name in ("otlp_grpc", "query_http", "query_grpc")}
    config = go_programs.jaeger_loopback_config("grpc", {**ports, "otlp": ports["otlp_grpc"]}, "info")
    (folder / "jaeger.yaml").write_text(yaml.safe_dump(config))
    log = open(folder / "jaeger.log", "w+b")  # noqa: SIM115 (kept open for the process's life)
    proc = start([jaeger_bin, f"--config={folder / 'jaeger.yaml'}"], log)
    try:
        wait_for_http(f"http://127.0.0.1:{ports['query_http']}/api/services", timeout=60, process=proc)
        yield {"proc": proc, "ports": ports, "log": folder / "jaeger.log",
               "api": f"http://127.0.0.1:{ports['query_http']}/api"}
    finally:
        stop(proc)
        log.close()


@pytest.fixture(scope="module")
def collector(otelcol, jaeger, compose_with, tmp_path_factory):
    """The collector started as compose starts it (no Honeycomb key), plus one overlay that moves its
    listeners to free loopback ports and points the Jaeger exporter at the loopback Jaeger."""
    exporters = {"otlp_grpc/jaeger": {"endpoint": f"127.0.0.1:{jaeger['ports']['otlp_grpc']}"}}
    with running_collector(otelcol, collector_configs(compose_with, {}), tmp_path_factory.mktemp("otelcol"),
                           exporters) as running:
        yield running


def test_span_crosses_the_real_collector_into_jaeger(collector, jaeger):
    provider = TracerProvider(resource=Resource.create({"service.name": "backend-flask"}))
    provider.add_span_processor(SimpleSpanProcessor(
        OTLPSpanExporter(endpoint=collector["otlp_http"] + "/v1/traces", timeout=10)))
    with provider.get_tracer("cruddur.tests").start_as_current_span("home_activities") as span:
        span.set_attribute("app.user_handle", "andrewbrown")
        trace_id = format(span.get_span_context().trace_id, "032x")
    provider.shutdown()

    def stored():
        reply = requests.get(f"{jaeger['api']}/traces/{trace_id}", timeout=5)
        return reply.json().get("data") if reply.status_code == 200 else None

    data = wait_until(stored, timeout=30, interval=0.2)
    assert data, (collector["log"].read_text(errors="replace")[-3000:],
                  jaeger["log"].read_text(errors="replace")[-3000:])
    (trace,) = data
    (stored_span,) = trace["spans"]
    assert stored_span["traceID"] == trace_id
    assert stored_span["operationName"] == "home_activities"
    assert trace["processes"][stored_span["processID"]]["serviceName"] == "backend-flask"
    tags = {t["key"]: t["value"] for t in stored_span["tags"]}
    assert tags["app.user_handle"] == "andrewbrown"


@pytest.fixture(scope="module")
def xray_bin(request):
    try:
        return go_programs.xray_daemon(progress=lambda text: progress_line(request.config, text)).path
    except go_programs.GoModuleUnavailable as exc:
        pytest.skip(f"the Go module proxy does not serve the X-Ray daemon here: {str(exc).splitlines()[-1]}")


def test_xray_daemon_uploads_a_segment_to_the_local_aws(xray_bin, tmp_path):
    moto = MotoServer().start()
    udp, tcp = free_port(socket.SOCK_DGRAM), free_port()
    config = {
        "Version": 2,
        "Endpoint": moto.url,
        "Region": "us-east-1",
        "Socket": {"UDPAddress": f"127.0.0.1:{udp}", "TCPAddress": f"127.0.0.1:{tcp}"},
        "LocalMode": True,
        "Logging": {"LogLevel": "dev"},
    }
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(config))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1")
    log = open(tmp_path / "xray.log", "w+b")  # noqa: SIM115 (kept open for the process's life)
    proc = start([xray_bin, "-o", "-c", tmp_path / "cfg.yaml", "-b", f"127.0.0.1:{udp}",
                   "-t", f"127.0.0.1:{tcp}", "-l", "dev"], log, env=env)
    try:
        def listening():
            try:
                socket.create_connection(("127.0.0.1", tcp), timeout=1).close()
                return True
            except OSError:
                return proc.poll() is not None
        assert wait_until(listening, timeout=30) and proc.poll() is None, (tmp_path / "xray.log").read_text()

        now = time.time()
        trace_id = f"1-{int(now):08x}-{os.urandom(12).hex()}"
        segment = {"name": "backend-flask", "id": os.urandom(8).hex(), "trace_id": trace_id,
                   "start_time": now, "end_time": now + 0.01,
                   "annotations": {"user_handle": "andrewbrown"}}
        payload = b'{"format": "json", "version": 1}\n' + json.dumps(segment).encode()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(payload, ("127.0.0.1", udp))

        xray = moto.client("xray")

        def uploaded():
            return xray.batch_get_traces(TraceIds=[trace_id])["Traces"]

        traces = wait_until(uploaded, timeout=30, interval=0.2)
        assert traces, (tmp_path / "xray.log").read_text(errors="replace")[-3000:]
        (document,) = [json.loads(s["Document"]) for s in traces[0]["Segments"]]
        assert document["id"] == segment["id"] and document["name"] == "backend-flask"
    finally:
        stop(proc)
        log.close()
        moto.stop()
