"""docker-compose.yml, checked statically: schema, pins, healthchecks, ports, wiring to the backend's config."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .stack_files import COMPOSE_FILE, REPO, dockerfile_stages, env_mapping, interpolate

SERVICES = {"migrate", "purger", "backend-flask", "frontend-react-js", "db", "redis", "xray-daemon", "otel-collector",
            "jaeger", "moto", "rollbar-sink"}
BACKEND_IMAGE_SERVICES = ("migrate", "purger", "backend-flask")

# Backend variables compose may leave out, each with its reason.
NOT_WIRED_IN_COMPOSE = {
    "XDG_DATA_HOME": "locates the default SQLite file and development key; compose sets DATABASE_URL and SECRET_KEY",
    "GUNICORN_CONTROL_SOCKET": "one instance's own gunicornc socket; the image runs without one",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "compose sets the base OTEL_EXPORTER_OTLP_ENDPOINT instead",
    "OTEL_EXPORTER_OTLP_TIMEOUT": "the backend's short default suits the local collector",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "the backend's short default suits the local collector",
    "OTEL_TRACES_SAMPLER": "the SDK default (parent-based, always on) records every local request",
    "OTEL_TRACES_SAMPLER_ARG": "only with OTEL_TRACES_SAMPLER",
}

# Secrets come from the shell only: compose passes them through (no value) and never defaults them.
PASS_THROUGH_SECRETS = {
    "backend-flask": {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "ROLLBAR_ACCESS_TOKEN"},
    "xray-daemon": {"AWS_SESSION_TOKEN"},
    "otel-collector": {"HONEYCOMB_API_KEY"},
}
# The daemon needs credentials to sign even for the local AWS, which takes any: the shell's, or "local".
LOCAL_DEFAULTED_CREDENTIALS = {"xray-daemon": {"AWS_ACCESS_KEY_ID": "${AWS_ACCESS_KEY_ID:-local}",
                                               "AWS_SECRET_ACCESS_KEY": "${AWS_SECRET_ACCESS_KEY:-local}"}}


def test_compose_file_matches_the_compose_spec_schema():
    check = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run([str(check), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_stack_has_the_documented_services(compose_raw):
    assert set(compose_raw["services"]) == SERVICES


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_service_has_a_healthcheck(compose_raw, service):
    check = compose_raw["services"][service].get("healthcheck")
    assert check and not check.get("disable"), f"{service} has no healthcheck"
    assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1
    for key in ("interval", "timeout", "retries"):
        assert key in check, f"{service} healthcheck lacks {key}"


def _images(compose):
    """(where, image) for every image the stack runs or builds from."""
    for name, service in compose["services"].items():
        if "image" in service and "build" not in service:  # a built image's tag names the build
            yield name, service["image"]
        if "build" in service:
            build = service["build"]
            context = REPO / (build if isinstance(build, str) else build["context"])
            dockerfile = context / ("Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile"))
            stages = dockerfile_stages(dockerfile)
            stage_names = {stage_name for _, stage_name, _ in stages if stage_name}
            for image, _, _ in stages:
                if image not in stage_names:
                    yield f"{name} ({dockerfile.relative_to(REPO)})", image


def test_every_image_is_pinned_by_tag(compose_raw):
    images = list(_images(compose_raw))
    assert len(images) >= 8
    for where, image in images:
        assert "$" not in image, f"{where}: {image} depends on the environment"
        name, _, tag = image.split("@")[0].rpartition(":")
        assert name and "/" not in tag, f"{where}: {image} has no tag"
        assert tag != "latest" and re.search(r"\d", tag), f"{where}: {image} is not pinned to a version"


def test_images_are_the_documented_ones(compose_raw):
    images = dict(_images(compose_raw))  # one image per running service
    assert images["db"].startswith("postgres:15")
    assert images["xray-daemon"].startswith("amazon/aws-xray-daemon:3.")
    assert images["jaeger"].startswith("jaegertracing/jaeger:2.")
    assert images["redis"].startswith("redis:7.")
    built = " ".join(image for _, image in _images(compose_raw))
    for base in ("golang:1.26", "busybox:", "python:3.11", "node:20", "nginxinc/nginx-unprivileged:"):
        assert base in built, base
    assert images["moto"] == "motoserver/moto:5.2.5"  # the version the suite's own moto is pinned to
    # The Rollbar sink is the same nginx the UI's image is built on.
    assert "frontend-react-js (frontend-react-js/Dockerfile)" in images
    assert images["rollbar-sink"] in built and images["rollbar-sink"].startswith("nginxinc/nginx-unprivileged:")


def _published(compose):
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            spec, _, protocol = str(port).partition("/")
            host, _, container = spec.rpartition(":")
            yield name, int(host or container), int(container), protocol or "tcp"


def test_published_ports_are_unique_and_the_documented_ones(compose_raw):
    published = list(_published(compose_raw))
    keys = [(host, protocol) for _, host, _, protocol in published]
    assert len(keys) == len(set(keys)), f"a host port is published twice: {published}"
    assert {(name, host, protocol) for name, host, _, protocol in published} == {
        ("frontend-react-js", 3000, "tcp"), ("xray-daemon", 2000, "udp"),
        ("otel-collector", 4318, "tcp"), ("jaeger", 16686, "tcp"),
        ("moto", 4566, "tcp"), ("rollbar-sink", 8088, "tcp"),
    }


def test_dependencies_name_real_services_with_conditions(compose_raw):
    services = compose_raw["services"]
    for name, service in services.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert spec["condition"] in ("service_started", "service_healthy", "service_completed_successfully")
    assert services["backend-flask"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["frontend-react-js"]["depends_on"]["backend-flask"]["condition"] == "service_healthy"
    assert set(services["backend-flask"]["depends_on"]) == {"migrate", "db", "redis", "otel-collector", "xray-daemon",
                                                            "moto", "rollbar-sink"}
    for telemetry in ("otel-collector", "xray-daemon", "moto", "rollbar-sink"):  # started, never awaited
        assert services["backend-flask"]["depends_on"][telemetry]["condition"] == "service_started"
    assert services["backend-flask"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["backend-flask"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["purger"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_db_keeps_its_data_in_a_named_volume(compose_raw):
    volumes = compose_raw["services"]["db"]["volumes"]
    assert "db-data:/var/lib/postgresql/data" in volumes
    assert "db-data" in compose_raw["volumes"]


def test_every_backend_variable_is_wired_into_compose(compose_raw, backend_env_vars):
    wired = env_mapping(compose_raw["services"]["backend-flask"]["environment"])
    missing = [name for name in backend_env_vars if name not in wired and name not in NOT_WIRED_IN_COMPOSE]
    assert not missing, f"backend variables missing from compose's backend-flask environment: {missing}"
    stale = set(NOT_WIRED_IN_COMPOSE) - set(backend_env_vars)
    assert not stale, f"allow-list names variables the backend no longer reads: {stale}"


def test_every_backend_variable_is_documented(backend_env_vars):
    configuration = (REPO / "docs" / "configuration.md").read_text()
    missing = [name for name in backend_env_vars if not re.search(rf"\b{name}\b", configuration)]
    assert not missing, f"docs/configuration.md does not mention: {missing}"


def test_backend_wiring_with_no_cloud_account(compose_with):
    backend = compose_with({})["services"]["backend-flask"]
    env = env_mapping(backend["environment"])
    assert env["DATABASE_URL"] == "postgresql+psycopg://postgres:password@db:5432/cruddur"
    assert env["OTEL_SERVICE_NAME"] == "backend-flask"
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
    assert env["AWS_XRAY_SDK_ENABLED"] == "true"
    assert env["AWS_XRAY_DAEMON_ADDRESS"] == "xray-daemon:2000"
    assert env["AWS_XRAY_URL"] == "*4567*"
    assert env["CLOUDWATCH_LOG_GROUP"] == "cruddur"
    # One origin: nginx on :3000 serves the UI and proxies /api/ to the replicas.
    assert env["FRONTEND_URL"] == "http://localhost:3000" and env["BACKEND_URL"] == "http://localhost:3000"
    assert env["RATELIMIT_STORAGE_URI"] == "redis://redis:6379/0" and env["CRUDDUR_PROXY_HOPS"] == "1"
    assert env["SECRET_KEY"], "compose must give the backend a development SECRET_KEY"
    assert env["CRUDDUR_ENV"] == "development"
    assert env["PORT"] == "4567"


@pytest.mark.parametrize("service", sorted(PASS_THROUGH_SECRETS))
def test_secrets_are_passed_through_never_defaulted(compose_raw, service):
    env = env_mapping(compose_raw["services"][service]["environment"])
    for name in PASS_THROUGH_SECRETS[service]:
        assert name in env and env[name] is None, f"{service}: {name} must be a bare pass-through"
    for name, value in LOCAL_DEFAULTED_CREDENTIALS.get(service, {}).items():
        assert env[name] == value, f"{service}: {name} is the shell's, or the local AWS's dummy"


def test_with_no_account_every_signal_goes_to_a_local_service(compose_with):
    compose = compose_with({})
    backend = env_mapping(compose["services"]["backend-flask"]["environment"])
    assert backend["CRUDDUR_LOCAL_AWS_URL"] == "http://moto:4566"
    assert backend["CRUDDUR_LOCAL_ROLLBAR_URL"] == "http://rollbar-sink:8088/api/1/"
    daemon = compose["services"]["xray-daemon"]
    config = daemon["command"][daemon["command"].index("-c") + 1]
    assert config == "/etc/cruddur-xray/daemon.yaml"
    local = (REPO / "xray-daemon" / "daemon.yaml").read_text()
    assert 'Endpoint: "http://moto:4566"' in local
    assert env_mapping(daemon["environment"])["AWS_ACCESS_KEY_ID"] == "local"
    assert "./xray-daemon:/etc/cruddur-xray:ro" in daemon["volumes"]
    assert env_mapping(compose["services"]["moto"]["environment"])["MOTO_PORT"] == "4566"
    sink = compose["services"]["rollbar-sink"]
    assert "./rollbar-sink/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in sink["volumes"]


def test_with_aws_credentials_the_daemon_uploads_to_aws(compose_with):
    daemon = compose_with({"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"})["services"]["xray-daemon"]
    config = daemon["command"][daemon["command"].index("-c") + 1]
    assert config == "/etc/cruddur-xray/daemon-aws.yaml"
    assert "Endpoint" not in (REPO / "xray-daemon" / "daemon-aws.yaml").read_text()


def test_host_keys_reach_the_backend(compose_with):
    host = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_DEFAULT_REGION": "ca-central-1", "ROLLBAR_ACCESS_TOKEN": "tok",
            "AWS_XRAY_URL": "*4567-workspace*"}
    compose = compose_with(host)
    env = env_mapping(compose["services"]["backend-flask"]["environment"])
    assert env["AWS_XRAY_URL"] == "*4567-workspace*"
    assert env_mapping(compose["services"]["xray-daemon"]["environment"])["AWS_REGION"] == "ca-central-1"


def test_migrate_runs_once_and_the_replicas_only_serve(compose_raw):
    services = compose_raw["services"]
    command = " ".join(services["migrate"]["command"])
    steps = ["flask --app app db upgrade", "flask --app app seed"]
    positions = [command.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), command
    assert "&&" in command, "a failed migration must stop the seed, and the replicas"
    assert services["migrate"]["restart"] == "no"
    assert services["backend-flask"]["command"] == ["gunicorn", "app:app"]
    assert "ports" not in services["backend-flask"], "clients reach the replicas through nginx only"
    # The purge runs beside the replicas, never inside them.
    assert services["purger"]["command"] == ["flask", "--app", "app", "purge-expired", "--interval", "300"]
    for name in BACKEND_IMAGE_SERVICES:  # one image, one environment
        assert services[name]["image"] == services["backend-flask"]["image"]
        assert services[name]["environment"] == services["backend-flask"]["environment"]


def test_backend_healthcheck_calls_the_health_endpoint(compose_raw):
    test = " ".join(compose_raw["services"]["backend-flask"]["healthcheck"]["test"])
    assert "http://127.0.0.1:4567/api/health-check" in test


def test_xray_daemon_is_wired_as_documented(compose_with):
    daemon = compose_with({})["services"]["xray-daemon"]
    assert daemon["command"][:3] == ["-o", "-b", "xray-daemon:2000"]
    assert env_mapping(daemon["environment"])["AWS_REGION"] == "us-east-1", "the daemon needs a region to start"


def test_build_contexts_and_mounts_exist(compose_raw):
    for name, service in compose_raw["services"].items():
        if "build" in service:
            build = service["build"]
            context = REPO / (build if isinstance(build, str) else build["context"])
            assert (context / "Dockerfile").is_file(), name
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if source.startswith("."):
                assert (REPO / source).exists(), f"{name} mounts missing {source}"


@pytest.mark.parametrize("text, env, expected", [
    ("${A:-d}", {}, "d"), ("${A:-d}", {"A": ""}, "d"), ("${A-d}", {"A": ""}, ""),
    ("x${A:+-y}", {}, "x"), ("x${A:+-y}", {"A": "1"}, "x-y"), ("x${A+-y}", {"A": ""}, "x-y"),
    ("${A:-${B:-c}}", {}, "c"), ("$$A", {"A": "1"}, "$A"), ("*${A:-4567}*", {}, "*4567*"),
])
def test_interpolation_helper_follows_the_compose_spec(text, env, expected):
    assert interpolate(text, env) == expected
