"""The Dockerfiles and what the compose file relies on them for."""
import re

import pytest
import yaml

from .stack_files import REPO, dockerfile_stages, env_mapping

DOCKERFILES = {
    "backend-flask": REPO / "backend-flask" / "Dockerfile",
    "frontend-react-js": REPO / "frontend-react-js" / "Dockerfile",
    "otel-collector": REPO / "otel-collector" / "Dockerfile",
}


def _final_user(stages):
    users = [rest for keyword, rest in stages[-1][2] if keyword == "USER"]
    return users[-1] if users else None


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_final_stage_runs_as_a_non_root_user(name):
    user = _final_user(dockerfile_stages(DOCKERFILES[name]))
    assert user is not None, f"{name}: final stage sets no USER"
    assert user.split(":")[0] not in ("root", "0"), f"{name}: runs as {user}"


@pytest.mark.parametrize("name", ["backend-flask", "frontend-react-js"])
def test_app_images_are_multi_stage(name):
    stages = dockerfile_stages(DOCKERFILES[name])
    assert len(stages) >= 2
    copies = [rest for keyword, rest in stages[-1][2] if keyword == "COPY"]
    assert any(rest.startswith("--from=") for rest in copies), "the final stage should copy the build's output"


def test_backend_image_serves_with_gunicorn_from_the_pinned_requirements():
    stages = dockerfile_stages(DOCKERFILES["backend-flask"])
    build_steps = " ".join(rest for _, _, steps in stages for _, rest in steps)
    assert "requirements.txt" in build_steps and "pip install" in build_steps
    cmd = [rest for keyword, rest in stages[-1][2] if keyword == "CMD"][-1]
    assert cmd == '["gunicorn", "app:app"]'
    assert any(keyword == "EXPOSE" and rest == "4567" for keyword, rest in stages[-1][2])


def test_frontend_image_builds_with_npm_and_the_vite_build_args(compose_raw):
    stages = dockerfile_stages(DOCKERFILES["frontend-react-js"])
    build = " ".join(rest for keyword, rest in stages[0][2])
    assert "npm ci" in build and "npm run build" in build
    args = {rest.split("=")[0] for keyword, rest in stages[0][2] if keyword == "ARG"}
    assert set(compose_raw["services"]["frontend-react-js"]["build"]["args"]) <= args
    assert any(keyword == "COPY" and rest.startswith("--from=build /app/dist") for keyword, rest in stages[-1][2])


def test_nginx_renders_the_edge_templates_on_the_published_port(compose_raw):
    templates = REPO / "frontend-react-js" / "nginx" / "templates"
    conf = (templates / "default.conf.template").read_text()
    assert re.search(r"^\s*listen \$\{NGINX_PORT\};", conf, re.M)
    assert "try_files $uri $uri/ /index.html;" in conf
    assert "location = /healthz" in conf
    assert conf.count("proxy_pass http://cruddur_backend;") == 2  # /api/ and /rollbar/
    upstream = (templates / "upstream.conf.template").read_text()
    assert re.search(r"upstream cruddur_backend \{\s*server \$\{BACKEND_ADDR\}", upstream)
    stages = dockerfile_stages(DOCKERFILES["frontend-react-js"])
    assert ("COPY", "nginx/templates/ /etc/nginx/templates/") in stages[-1][2]
    service = compose_raw["services"]["frontend-react-js"]
    assert "3000:3000" in service["ports"]
    assert env_mapping(service["environment"]) == {"NGINX_PORT": "3000", "BACKEND_ADDR": "backend-flask:4567"}
    assert "http://127.0.0.1:3000/healthz" in service["healthcheck"]["test"]


def test_collector_image_is_built_by_the_collector_builder_from_the_manifest():
    """The image's collector is made from builder-config.yaml by the Builder at the manifest's release,
    so compose runs exactly what tests/compose/test_real_collector.py builds and runs."""
    stages = dockerfile_stages(DOCKERFILES["otel-collector"])
    (build_image, build_name, build_steps), (final_image, _, final_steps) = stages
    manifest = yaml.safe_load((REPO / "otel-collector" / "builder-config.yaml").read_text())
    release = manifest["dist"]["version"]
    assert build_image.startswith("golang:") and build_name == "build"
    steps = [f"{keyword} {value}" for keyword, value in build_steps]
    assert f"RUN go install go.opentelemetry.io/collector/cmd/builder@v{release}" in steps
    assert "COPY builder-config.yaml ." in steps
    assert any(step.startswith("RUN builder --config=builder-config.yaml") for step in steps)
    assert final_image.startswith("busybox:") and final_image.endswith("-musl"), "musl busybox is static"
    built = f"{manifest['dist']['output_path'].removeprefix('./')}/{manifest['dist']['name']}"
    assert [k for k, _ in final_steps] == ["COPY", "USER", "ENTRYPOINT"]
    assert built in final_steps[0][1] and final_steps[0][1].startswith("--from=build")


@pytest.mark.parametrize("path, must_ignore", [
    ("backend-flask/.dockerignore", [".venv/", "**/__pycache__", "*.sqlite3", ".env"]),
    ("frontend-react-js/.dockerignore", ["node_modules/", "dist/"]),
])
def test_dockerignore_keeps_local_state_out_of_the_build(path, must_ignore):
    patterns = [line.strip() for line in (REPO / path).read_text().splitlines()]
    for pattern in must_ignore:
        assert pattern in patterns, f"{path} should ignore {pattern}"
