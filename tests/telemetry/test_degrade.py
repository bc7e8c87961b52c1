"""With every telemetry backend unreachable, or AWS unconfigured, Cruddur still serves."""
import json

import pytest
import requests

from testkit.auth import bearer, sign_in
from testkit.errors import error_codes
from testkit.gunicorn import backend_env
from testkit.net import free_port
from testkit.receivers import wait_until


@pytest.fixture(scope="module")
def unreachable(new_database_url, start_server):
    closed = free_port()  # nothing listens here
    env = backend_env(
        new_database_url("sqlite"),
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{closed}",
        OTEL_BSP_SCHEDULE_DELAY="100",
        AWS_XRAY_SDK_ENABLED="true", AWS_XRAY_DAEMON_ADDRESS=f"127.0.0.1:{closed}",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{closed}", AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", CLOUDWATCH_LOG_GROUP="cruddur",
        ROLLBAR_ACCESS_TOKEN="unreachable-token", ROLLBAR_ENDPOINT=f"http://127.0.0.1:{closed}/api/1/",
        CRUDDUR_FAULTS="users_short:error",
    )
    return start_server(env)


def test_requests_succeed_with_every_backend_down(unreachable):
    session = requests.Session()
    headers = bearer(sign_in("worf", url=unreachable.url, http=session))
    for n in range(20):
        assert session.get(f"{unreachable.url}/api/activities/home", timeout=10).status_code == 200
        posted = session.post(f"{unreachable.url}/api/activities", json={"message": f"down {n}", "ttl": "1-day"},
                              headers=headers, timeout=10)
        assert posted.status_code == 201
    failing = session.get(f"{unreachable.url}/api/users/@worf/short", timeout=10)
    assert (failing.status_code, error_codes(failing)) == (500, ["internal_error"])
    home = session.get(f"{unreachable.url}/api/activities/home?limit=100", timeout=10).json()
    assert sum(a["message"].startswith("down ") for a in home) == 20


def test_missing_aws_settings_warn_once_and_serve(new_database_url, start_server):
    env = backend_env(new_database_url("sqlite"), CLOUDWATCH_LOG_GROUP="cruddur",
                      AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_CONFIG_FILE="/nonexistent",
                      AWS_EC2_METADATA_DISABLED="true")
    server = start_server(env)
    assert requests.get(f"{server.url}/api/activities/home", timeout=10).status_code == 200

    def warnings():
        lines = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
        found = [line for line in lines if "CloudWatch Logs off" in line["message"]]
        return found if len(found) >= 2 else None

    warnings = wait_until(warnings, timeout=15) or []
    assert len(warnings) == 2  # one per worker process, at start-up
    assert all("region and credentials missing" in w["message"] for w in warnings)
    assert "Traceback" not in server.output()
