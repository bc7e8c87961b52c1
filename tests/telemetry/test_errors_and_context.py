"""An injected fault becomes exactly one Rollbar item joined to the other signals by one trace id;
incoming trace headers are honoured; code outside requests never fails for want of a segment."""
import json
import subprocess

import pytest
import requests

from testkit.auth import sign_in
from testkit.errors import error_codes
from testkit.gunicorn import BACKEND, BIN, backend_env, flask_command
from testkit.receivers import wait_until, xray_id
from testkit.signals import LOG_GROUP, ROLLBAR_TOKEN, signals_env

COOKIE_SECRET = "cookie-secret-marker-7f3a"
PASSWORD_SECRET = "password-secret-marker-91cd"


@pytest.fixture(scope="module")
def faulty(new_database_url, receivers, start_server):
    env = signals_env(new_database_url("sqlite"), receivers, CRUDDUR_FAULTS="home_activities:error")
    return start_server(env)


@pytest.fixture(scope="module")
def fault_request(faulty):
    token = sign_in("bayko", url=faulty.url)
    response = requests.get(f"{faulty.url}/api/activities/home?password={PASSWORD_SECRET}", timeout=10,
                            headers={"Authorization": f"Bearer {token}", "Cookie": f"session={COOKIE_SECRET}"})
    return {"response": response, "token": token, "trace_id": response.headers["traceresponse"].split("-")[1]}


def test_fault_is_a_json_500(fault_request):
    response = fault_request["response"]
    assert (response.status_code, error_codes(response)) == (500, ["internal_error"])


def test_fault_makes_exactly_one_rollbar_item(fault_request, receivers):
    trace_id = fault_request["trace_id"]
    items = wait_until(lambda: [i for i in receivers["rollbar"].items()
                                if i["data"].get("custom", {}).get("trace_id") == trace_id])
    [item] = items
    data = item["data"]
    assert data["body"]["trace"]["exception"]["class"] == "InjectedFault"
    assert data["person"] == {"id": data["person"]["id"], "username": "bayko"} and len(data["person"]["id"]) == 36
    assert data["environment"] == "test" and data["code_version"] == "test-build-1"
    assert data["request"]["url"].split("?")[0].endswith("/api/activities/home")
    raw = json.dumps(item)
    for secret in (fault_request["token"], COOKIE_SECRET, PASSWORD_SECRET):
        assert secret not in raw
    assert ROLLBAR_TOKEN not in json.dumps(data)
    headers = {k.lower(): v for k, v in data["request"]["headers"].items()}
    assert set(headers["authorization"]) == {"*"} and set(headers["cookie"]) == {"*"}


def test_fault_joins_all_four_signals_by_one_trace_id(fault_request, receivers):
    trace_id = fault_request["trace_id"]
    xray_trace_id = xray_id(trace_id)
    spans = wait_until(lambda: [s for s in receivers["otlp"].trace(trace_id) if s["name"] == "home_activities"])
    assert spans and spans[0]["status"] == 2  # STATUS_CODE_ERROR
    [segment] = wait_until(lambda: receivers["xray"].segments(xray_trace_id))
    assert segment.get("fault") is True
    [subsegment] = segment["subsegments"]
    assert subsegment["name"] == "home_activities" and subsegment.get("fault") is True
    lines = wait_until(lambda: [json.loads(e["message"]) for e in receivers["moto"].log_events(LOG_GROUP)
                                if trace_id in e["message"]])
    access = [line for line in lines if line["logger"] == "cruddur.access"]
    assert [line["status"] for line in access] == [500]
    assert all(line["trace_id"] == trace_id and line["xray_trace_id"] == xray_trace_id for line in lines)


def test_incoming_traceparent_is_honoured(faulty, receivers):
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = requests.get(f"{faulty.url}/api/users/@worf/short", timeout=10,
                            headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
    assert response.headers["traceresponse"].split("-")[1] == trace_id
    server = wait_until(lambda: [s for s in receivers["otlp"].trace(trace_id) if s["kind"] == "SERVER"])
    assert server[0]["parent_span_id"] == "00f067aa0ba902b7"
    assert wait_until(lambda: receivers["xray"].segments(xray_id(trace_id)))


def test_incoming_xray_header_is_honoured(faulty, receivers):
    xray_trace_id = "1-5759e988-bd862e3fe1be46a994272793"
    response = requests.get(f"{faulty.url}/api/users/@worf/short", timeout=10,
                            headers={"X-Amzn-Trace-Id": f"Root={xray_trace_id};Parent=53995c3f42cd8ad8;Sampled=1"})
    trace_id = xray_trace_id[2:].replace("-", "")
    assert response.headers["traceresponse"].split("-")[1] == trace_id
    [segment] = wait_until(lambda: receivers["xray"].segments(xray_trace_id))
    assert segment["parent_id"] == "53995c3f42cd8ad8"
    assert wait_until(lambda: receivers["otlp"].trace(trace_id))


def test_cli_under_xray_never_raises_for_want_of_a_segment(new_database_url, receivers):
    env = signals_env(new_database_url("sqlite"), receivers, AWS_XRAY_CONTEXT_MISSING="RUNTIME_ERROR")
    upgrade = flask_command(env, "db", "upgrade")
    seed = flask_command(env, "seed")
    assert "seeded" in seed.stdout
    for output in (upgrade.stdout + upgrade.stderr, seed.stdout + seed.stderr):
        assert "Traceback" not in output and "SegmentNotFound" not in output


def test_console_exporter_prints_spans(new_database_url):
    env = backend_env(new_database_url("sqlite"), OTEL_TRACES_EXPORTER="console")
    flask_command(env, "db", "upgrade")
    script = ("from app import app\n"
              "app.test_client().get('/api/activities/home')\n")
    out = subprocess.run([str(BIN / "python"), "-c", script], cwd=BACKEND, env=env, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    assert '"name": "home_activities"' in out and '"name": "GET /api/activities/home"' in out
    assert "Traceback" not in out
