"""The OTel collector config, as compose starts it with and without HONEYCOMB_API_KEY, and in both X-Ray
modes (CRUDDUR_XRAY_MODE), with and without AWS credentials in the shell."""
import re
from urllib.parse import urlsplit

import pytest
import yaml

from .stack_files import REPO, env_mapping

MOUNT = "/etc/cruddur-otelcol/"
ENV_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}")


def merge(base, overlay):
    """The collector's merge of several --config files: maps merge key by key, anything else is replaced."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = merge(base[key], value) if key in base else value
        return merged
    return overlay


def collector_config(compose_with, host_env):
    """(effective config, files used, collector service) for a given host environment."""
    service = compose_with(host_env)["services"]["otel-collector"]
    files = []
    for arg in service["command"]:
        assert arg.startswith("--config=" + MOUNT), arg
        files.append(REPO / "otel-collector" / arg.removeprefix("--config=" + MOUNT))
    config = {}
    for path in files:
        assert path.is_file(), f"compose points the collector at a missing file: {path}"
        config = merge(config, yaml.safe_load(path.read_text()))
    return config, files, service


MODES = {
    "no key": ({}, ["otlp_grpc/jaeger"]),
    "honeycomb": ({"HONEYCOMB_API_KEY": "hc-key"}, ["otlp_grpc/jaeger", "otlp_http/honeycomb"]),
    "xray otel": ({"CRUDDUR_XRAY_MODE": "otel"}, ["otlp_grpc/jaeger"]),
    "xray otel, aws": ({"CRUDDUR_XRAY_MODE": "otel", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE"}, ["otlp_grpc/jaeger"]),
}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_pipeline_exports_to_jaeger_and_to_honeycomb_only_with_a_key(compose_with, mode):
    host_env, expected_exporters = MODES[mode]
    config, _, _ = collector_config(compose_with, host_env)
    traces = config["service"]["pipelines"]["traces"]
    assert traces["exporters"] == expected_exporters
    assert traces["receivers"] == ["otlp"]
    assert "batch" in traces["processors"]
    for kind in ("receivers", "processors", "exporters"):
        for component in traces[kind]:
            assert component in config[kind], f"pipeline uses undefined {kind[:-1]} {component}"
    for extension in config["service"].get("extensions", []):
        assert extension in config["extensions"]
    xray = config["service"]["pipelines"].get("traces/xray")
    if host_env.get("CRUDDUR_XRAY_MODE") == "otel":
        # The same spans as the Jaeger pipeline, through the same processors, into the awsxray exporter.
        assert xray == {**traces, "exporters": ["awsxray"]}
    else:
        assert xray is None, "in the sdk mode the daemon, not the collector, sends X-Ray segments"


@pytest.mark.parametrize(("host_env", "endpoint"), [
    ({"CRUDDUR_XRAY_MODE": "otel"}, "http://moto:4566"),
    ({"CRUDDUR_XRAY_MODE": "otel", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE"}, None),
], ids=["local-aws", "account"])
def test_awsxray_exporter_sends_to_the_local_aws_unless_the_shell_has_credentials(compose_with, host_env, endpoint):
    config, _, service = collector_config(compose_with, host_env)
    exporter = config["exporters"]["awsxray"]
    assert exporter.get("endpoint") == endpoint
    assert exporter["local_mode"] is True
    environment = env_mapping(service["environment"])
    if endpoint is None:  # the account's X-Ray in the shell's region, with the shell's credentials
        assert exporter["region"] == "${env:AWS_REGION}"
        assert environment["AWS_ACCESS_KEY_ID"] == "AKIDEXAMPLE"
    else:
        assert urlsplit(endpoint).hostname in compose_with(host_env)["services"]
        assert exporter["region"] == "us-east-1"
        assert environment["AWS_ACCESS_KEY_ID"] == "local"
    # The annotations are the attributes the X-Ray SDK mode annotates (telemetry/service.py).
    from cruddur.telemetry.service import INDEXED

    assert sorted(exporter["indexed_attributes"]) == sorted(f"app.{key}" for key in INDEXED)


@pytest.mark.parametrize("mode", ["sdk", "otel"])
def test_backend_and_collector_take_the_xray_mode_from_the_shell(compose_with, mode):
    compose = compose_with({"CRUDDUR_XRAY_MODE": mode})
    assert env_mapping(compose["services"]["backend-flask"]["environment"])["CRUDDUR_XRAY_MODE"] == mode
    _, files, _ = collector_config(compose_with, {"CRUDDUR_XRAY_MODE": mode})
    assert f"xray-{mode}.yml" in [p.name for p in files]


@pytest.mark.parametrize("mode", sorted(MODES))
def test_every_env_reference_is_provided_by_compose(compose_with, mode):
    host_env, _ = MODES[mode]
    _, files, service = collector_config(compose_with, host_env)
    provided = env_mapping(service["environment"])
    for path in files:
        for name in ENV_REF.findall(path.read_text()):
            assert name in provided, f"{path.name} reads ${{env:{name}}} but compose does not set it"


def test_otlp_http_receiver_serves_backend_and_browser_with_cors(compose_with):
    config, _, service = collector_config(compose_with, {})
    http = config["receivers"]["otlp"]["protocols"]["http"]
    host, _, port = http["endpoint"].rpartition(":")
    assert host == "0.0.0.0", "the receiver must listen beyond loopback inside its container"
    compose = compose_with({})
    backend_endpoint = env_mapping(compose["services"]["backend-flask"]["environment"])["OTEL_EXPORTER_OTLP_ENDPOINT"]
    assert urlsplit(backend_endpoint).hostname == "otel-collector"
    assert urlsplit(backend_endpoint).port == int(port)
    browser_url = compose["services"]["frontend-react-js"]["build"]["args"]["VITE_OTEL_COLLECTOR_URL"]
    assert f"{urlsplit(browser_url).port}:{port}" in service["ports"], "the browser's collector URL must be published"
    origins = http["cors"]["allowed_origins"]
    assert origins == ["${env:FRONTEND_URL}"]
    assert env_mapping(service["environment"])["FRONTEND_URL"] == "http://localhost:3000"


def test_jaeger_exporter_targets_the_jaeger_service(compose_with):
    config, _, _ = collector_config(compose_with, {})
    jaeger = config["exporters"]["otlp_grpc/jaeger"]
    host, _, port = jaeger["endpoint"].rpartition(":")
    assert host in compose_with({})["services"]
    assert port == "4317" and jaeger["tls"]["insecure"] is True


def test_honeycomb_exporter_authenticates_with_the_key(compose_with):
    config, _, service = collector_config(compose_with, {"HONEYCOMB_API_KEY": "hc-key"})
    honeycomb = config["exporters"]["otlp_http/honeycomb"]
    assert honeycomb["headers"] == {"x-honeycomb-team": "${env:HONEYCOMB_API_KEY}"}
    # OTLP/HTTP to Honeycomb's base URL: the exporter appends /v1/traces.
    assert honeycomb["endpoint"] == "${env:HONEYCOMB_ENDPOINT}"
    assert env_mapping(service["environment"])["HONEYCOMB_ENDPOINT"] == "https://api.honeycomb.io"


def test_healthcheck_probes_the_health_check_extension(compose_with):
    config, _, service = collector_config(compose_with, {})
    endpoint = config["extensions"]["health_check"]["endpoint"]
    assert f"http://{endpoint}/" in service["healthcheck"]["test"]
    assert service["healthcheck"]["test"][1] == "wget"  # busybox's, the image's base (otel-collector/Dockerfile)


def test_merge_replaces_lists_and_merges_maps():
    base = {"a": {"x": 1, "l": [1, 2]}, "b": 1}
    assert merge(base, {"a": {"l": [3]}}) == {"a": {"x": 1, "l": [3]}, "b": 1}
