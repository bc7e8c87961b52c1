""".gitpod.yml: the ports the course opens, matching what compose publishes, and tasks Gitpod accepts."""
import yaml

from .stack_files import REPO

# Gitpod's documented keys and values for .gitpod.yml ports and tasks.
PORT_KEYS = {"port", "onOpen", "visibility", "name", "description"}
ON_OPEN = {"open-browser", "open-preview", "notify", "ignore"}
VISIBILITY = {"private", "public"}
TASK_KEYS = {"name", "before", "init", "command", "env", "openIn", "openMode"}


def _gitpod():
    return yaml.safe_load((REPO / ".gitpod.yml").read_text())


def test_ports_are_the_documented_ones():
    ports = {entry["port"]: entry for entry in _gitpod()["ports"]}
    assert {3000, 2000, 16686} <= set(ports)
    assert ports[3000]["onOpen"] == "open-browser"
    assert ports[4318]["visibility"] == "public", "the browser posts spans to the collector"
    for entry in ports.values():
        assert set(entry) <= PORT_KEYS
        assert entry.get("onOpen", "notify") in ON_OPEN
        assert entry.get("visibility", "private") in VISIBILITY


def test_every_gitpod_port_is_published_by_compose(compose_raw):
    published = {int(str(port).split("/")[0].split(":")[0])
                 for service in compose_raw["services"].values() for port in service.get("ports", [])}
    assert {entry["port"] for entry in _gitpod()["ports"]} <= published


def test_tasks_install_tooling_and_start_the_stack():
    tasks = _gitpod()["tasks"]
    for task in tasks:
        assert set(task) <= TASK_KEYS
    text = "\n".join(value for task in tasks for value in task.values() if isinstance(value, str))
    assert "pip install -r requirements-dev.txt" in text
    assert "npm ci" in text
    assert "docker compose up" in text
    for name in ("FRONTEND_URL", "BACKEND_URL", "OTEL_COLLECTOR_URL", "AWS_XRAY_URL"):
        assert f"export {name}=" in text, f"{name} must follow the workspace URL"
