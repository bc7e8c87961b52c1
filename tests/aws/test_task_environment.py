"""Every variable a task definition sets is one its image reads, and none it needs is missing.

The task definitions: those in aws/cfn/*.yaml and aws/ecs/backend-task-definition.json. A container
running the backend image may set only what `cruddur.config.ENV_VARS` lists; nginx (the frontend
image) only what its templates name, and at least where it listens, where gunicorn is and whose
X-Forwarded-For it believes (the image's default trusts no one, and would then count every client
as the load balancer); the X-Ray daemon nothing."""
import json
import re

import pytest

from cruddur.config import ENV_VARS
from tests.aws.cfn import REPO, TEMPLATES, load

BACKEND_VARS = {name for name, *_ in ENV_VARS}
NGINX_TEMPLATES = REPO / "frontend-react-js" / "nginx" / "templates"
NGINX_VARS = {m for path in NGINX_TEMPLATES.glob("*.template") for m in re.findall(r"\$\{(\w+)\}", path.read_text())}
# Production needs these from every backend container: config.py refuses to start without
# SECRET_KEY, and without DATABASE_URL the task would write to a SQLite file inside itself.
REQUIRED = {"SECRET_KEY", "DATABASE_URL"}
# gunicorn replicas also share their limit counters, and report traces and logs.
REQUIRED_TO_SERVE = REQUIRED | {"RATELIMIT_STORAGE_URI", "FRONTEND_URL", "BACKEND_URL", "CRUDDUR_PROXY_HOPS"}
BACKEND_IMAGES = ({"Ref": "BackendImage"}, {"Ref": "TaskImage"}, "${BACKEND_IMAGE}")


def _names(entries, key):
    return {e[key] for e in entries or () if isinstance(e, dict) and key in e} | {
        option[key] for e in entries or () if isinstance(e, dict) and "Fn::If" in e
        for option in e["Fn::If"][1:] if isinstance(option, dict) and key in option}


def containers():
    """(task, container, image kind, {name: value or None}) for every container of every task definition."""
    found = []
    for name in TEMPLATES:
        for logical, resource in load(name)["Resources"].items():
            if resource["Type"] == "AWS::ECS::TaskDefinition":
                for c in resource["Properties"]["ContainerDefinitions"]:
                    env = {e["Name"]: e.get("Value") for e in c.get("Environment", [])}
                    env |= dict.fromkeys(_names(c.get("Secrets"), "Name"))
                    found.append((f"{name}.yaml:{logical}", c["Name"], c["Image"], env, c.get("Command")))
    task = json.loads((REPO / "aws" / "ecs" / "backend-task-definition.json").read_text())
    for c in task["containerDefinitions"]:
        env = {e["name"]: e["value"] for e in c.get("environment", [])}
        env |= dict.fromkeys(s["name"] for s in c.get("secrets", []))
        found.append(("backend-task-definition.json", c["name"], c["image"], env, c.get("command")))
    return found


def problems(task, container, image, env, command):
    """What is wrong with one container's environment, in words; empty when nothing is."""
    if image in BACKEND_IMAGES:
        unknown, required = set(env) - BACKEND_VARS, set(REQUIRED)
        if command and command[0] == "gunicorn":
            required |= REQUIRED_TO_SERVE
        if env.get("CRUDDUR_ENV") != "production":
            return [f"{task}/{container}: CRUDDUR_ENV is {env.get('CRUDDUR_ENV')!r}, not production"]
    elif "xray" in str(image):
        unknown, required = set(env), set()
    else:
        unknown, required = set(env) - NGINX_VARS, {"NGINX_PORT", "BACKEND_ADDR", "NGINX_REAL_IP_FROM"}
    return ([f"{task}/{container}: {name} is not a variable its image reads" for name in sorted(unknown)]
            + [f"{task}/{container}: {name} is required and missing" for name in sorted(required - set(env))])


def test_every_task_definition_sets_only_known_and_all_required_variables():
    found = containers()
    assert {(c[0].split(":")[0], c[1]) for c in found} >= {
        ("service.yaml", "backend-flask"), ("service.yaml", "migrate"), ("service.yaml", "purge"),
        ("service.yaml", "nginx"), ("service.yaml", "xray-daemon"),
        ("backend-task-definition.json", "backend-flask")}
    assert [p for c in found for p in problems(*c)] == []


@pytest.mark.parametrize(("env", "complaint"), [
    ({"CRUDDUR_ENV": "production", "SECRET_KEY": None, "DATABASE_URL": None, "CONNECTION_URL": "x"},
     "CONNECTION_URL is not a variable"),
    ({"CRUDDUR_ENV": "production", "DATABASE_URL": None}, "SECRET_KEY is required and missing"),
    ({"SECRET_KEY": None, "DATABASE_URL": None}, "not production"),
])
def test_the_check_catches_unknown_and_missing_variables(env, complaint):
    found = problems("t", "migrate", {"Ref": "TaskImage"}, env, ["flask"])
    assert any(complaint in p for p in found), found


def test_a_serving_backend_needs_the_shared_limit_store():
    env = {"CRUDDUR_ENV": "production", "SECRET_KEY": None, "DATABASE_URL": None}
    assert "t/backend-flask: RATELIMIT_STORAGE_URI is required and missing" in problems(
        "t", "backend-flask", {"Ref": "BackendImage"}, env, ["gunicorn", "app:app"])
