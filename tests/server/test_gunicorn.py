"""Cruddur under a real gunicorn, set up with the documented commands, on both databases."""
import json

import pytest
import requests

from testkit.auth import bearer, sign_in
from testkit.errors import error_codes
from testkit.gunicorn import Gunicorn, backend_env, flask_command


@pytest.fixture(scope="module")
def served(module_database_url, tmp_path_factory):
    env = backend_env(module_database_url, CRUDDUR_FAULTS="users_short:error")
    upgrade = [flask_command(env, "db", "upgrade") for _ in range(2)]
    seeds = [flask_command(env, "seed").stdout for _ in range(2)]
    server = Gunicorn(env, log_path=tmp_path_factory.mktemp("gunicorn") / "server.log").start()
    yield {"server": server, "upgrade": upgrade, "seeds": seeds}
    server.stop()


def test_setup_commands_are_idempotent(served):
    assert "seeded" in served["seeds"][0]
    assert "seed skipped" in served["seeds"][1]
    assert all(run.returncode == 0 for run in served["upgrade"])


def test_sign_in_post_and_read_back_over_http(served):
    url = served["server"].url
    headers = bearer(sign_in("bayko@cruddur.example", url=url))
    posted = requests.post(f"{url}/api/activities", json={"message": "over the wire", "ttl": "12-hours"},
                           headers=headers, timeout=10)
    assert posted.status_code == 201
    home = requests.get(f"{url}/api/activities/home", timeout=10)
    assert home.json()[0]["uuid"] == posted.json()["uuid"]
    assert requests.get(f"{url}/api/health-check", timeout=10).json()["database"] == "ok"


def test_unhandled_error_is_a_json_500_without_a_trace(served):
    response = requests.get(f"{served['server'].url}/api/users/@bayko/short", timeout=10)
    assert response.status_code == 500
    assert error_codes(response) == ["internal_error"]
    assert "Traceback" not in response.text and "InjectedFault" not in response.text


def test_access_lines_are_json_with_trace_ids(served):
    requests.get(f"{served['server'].url}/api/activities/home", timeout=10)
    requests.get(f"{served['server'].url}/api/users/@bayko/short", timeout=10)  # a 500 (CRUDDUR_FAULTS)
    lines = [json.loads(line) for line in served["server"].output().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "cruddur.access"]
    assert access, "no access line written"
    for line in access:
        assert {"method", "path", "status", "duration_ms", "user", "trace_id", "xray_trace_id"} <= line.keys()
        assert len(line["trace_id"]) == 32
        assert line["xray_trace_id"] == f"1-{line['trace_id'][:8]}-{line['trace_id'][8:]}"
    errors = [line for line in access if line["status"] == 500]
    assert errors and errors[0]["level"] == "INFO"
    startup = next(line for line in lines if line.get("logger") == "cruddur.telemetry" and "signals" in line)
    assert startup["signals"]["otel"] == "off" and startup["signals"]["rollbar"] == "off"
