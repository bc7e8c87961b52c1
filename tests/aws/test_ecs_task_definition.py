"""aws/register_task_definition.py against moto: the backend's Fargate task with the X-Ray
daemon as a sidecar, registered through ECS's real API shape."""
import json
from pathlib import Path

from cruddur.config import ENV_VARS

REPO = Path(__file__).resolve().parents[2]
ARGS = ("--public-url", "https://cruddur.example.com/", "--redis-url", "redis://cache.internal:6379/0",
        "--version", "abc1234")
SECRETS = {"SECRET_KEY", "DATABASE_URL", "OTEL_EXPORTER_OTLP_HEADERS", "ROLLBAR_ACCESS_TOKEN"}
# Fargate's allowed memory (MiB) for each CPU size.
FARGATE_MEMORY = {"256": {512, 1024, 2048}, "512": set(range(1024, 4097, 1024)), "1024": set(range(2048, 8193, 1024))}


def _backend_env_vars():
    return {name for name, *_ in ENV_VARS}


def _registered(boto_clients):
    return boto_clients["ecs"].describe_task_definition(taskDefinition="cruddur-backend-flask")["taskDefinition"]


def test_registers_the_backend_with_an_xray_sidecar(run_script, aws_env, boto_clients):
    result = run_script("register_task_definition.py", *ARGS, env=aws_env)
    assert result.returncode == 0, result.stderr
    assert "registered cruddur-backend-flask:1" in result.stdout
    task = _registered(boto_clients)
    assert task["requiresCompatibilities"] == ["FARGATE"] and task["networkMode"] == "awsvpc"
    assert int(task["memory"]) in FARGATE_MEMORY[task["cpu"]]
    containers = {c["name"]: c for c in task["containerDefinitions"]}
    assert set(containers) == {"backend-flask", "xray-daemon"}
    daemon, backend = containers["xray-daemon"], containers["backend-flask"]
    # The sidecar shares the task's network namespace: the backend reaches it on localhost.
    assert {"containerPort": 2000, "protocol": "udp"}.items() <= daemon["portMappings"][0].items()
    env = {e["name"]: e["value"] for e in backend["environment"]}
    assert env["AWS_XRAY_DAEMON_ADDRESS"] == "127.0.0.1:2000" and env["AWS_XRAY_SDK_ENABLED"] == "true"
    assert daemon["command"][-1] == env["AWS_XRAY_DAEMON_ADDRESS"]
    assert {"containerName": "xray-daemon", "condition": "START"} in backend["dependsOn"]
    assert backend["command"] == ["gunicorn", "app:app"]
    assert env["FRONTEND_URL"] == env["BACKEND_URL"] == "https://cruddur.example.com"
    assert env["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/0" and env["CRUDDUR_PROXY_HOPS"] == "1"
    assert env["CRUDDUR_VERSION"] == "abc1234" and env["CRUDDUR_ENV"] == "production"
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "us-east-1.amazonaws.com/cruddur-backend-flask:latest" in backend["image"]
    # Every variable is one the backend reads; secrets arrive only as SSM references.
    secrets = {s["name"]: s["valueFrom"] for s in backend["secrets"]}
    assert (set(env) | set(secrets)) <= _backend_env_vars()
    assert set(secrets) == SECRETS and not SECRETS & set(env)
    assert all(arn.startswith("arn:aws:ssm:us-east-1:") and "/cruddur/backend-flask/" in arn
               for arn in secrets.values())
    for container in containers.values():
        log = container["logConfiguration"]
        assert log["logDriver"] == "awslogs" and log["options"]["awslogs-region"] == "us-east-1"
    assert "health-check" in " ".join(backend["healthCheck"]["command"])
    assert "$" not in json.dumps(task), "every placeholder is filled"


def test_a_second_run_registers_a_new_revision(run_script, aws_env, boto_clients):
    for revision in (1, 2):
        result = run_script("register_task_definition.py", *ARGS, env=aws_env)
        assert f"registered cruddur-backend-flask:{revision}" in result.stdout, result.stderr
    assert _registered(boto_clients)["revision"] == 2


def test_dry_run_prints_and_registers_nothing(run_script, aws_env, boto_clients):
    result = run_script("register_task_definition.py", *ARGS, "--dry-run", env=aws_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["family"] == "cruddur-backend-flask"
    assert boto_clients["ecs"].list_task_definitions()["taskDefinitionArns"] == []


def test_missing_arguments_or_region_exit_2(run_script, aws_env):
    assert run_script("register_task_definition.py", "--public-url", "https://x", env=aws_env).returncode == 2
    no_region = {k: v for k, v in aws_env.items() if k != "AWS_DEFAULT_REGION"}
    result = run_script("register_task_definition.py", *ARGS, env=no_region)
    assert result.returncode == 2 and "region" in result.stderr and "Traceback" not in result.stderr
