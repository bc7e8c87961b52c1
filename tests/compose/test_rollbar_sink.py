"""The local Rollbar sink (docker-compose.yml's rollbar-sink: rollbar-sink/nginx.conf), on the wire: Debian's
nginx runs the shipped server block (testkit/rollbar_sink.py), and the real backend under gunicorn, with no
ROLLBAR_ACCESS_TOKEN and CRUDDUR_LOCAL_ROLLBAR_URL pointing at it as compose sets it, reports its faults
there. What the sink keeps is read back as a user does: GET /items.jsonl."""
import json
import subprocess
import sys

import pytest
import requests

from cruddur.config import LOCAL_ROLLBAR_TOKEN, Config
from testkit.receivers import wait_until
from testkit.rollbar_sink import RollbarSink
from testkit.signals import signals_env

SIGNUP_PASSWORD = "signup-secret-password-5e1d"
SIGNIN_PASSWORD = "signin-secret-password-c07a"  # a wrong one: the faulted sign-in never checks it
HANDLE = "sinkuser"


@pytest.fixture(scope="module")
def sink():
    server = RollbarSink().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def backend(new_database_url, receivers, start_server, sink):
    """Every other signal at its receiver; Rollbar as compose runs it without an account."""
    env = signals_env(new_database_url("sqlite"), receivers, CRUDDUR_LOCAL_ROLLBAR_URL=sink.api,
                      CRUDDUR_FAULTS="home_activities:error,signin:error")
    del env["ROLLBAR_ACCESS_TOKEN"], env["ROLLBAR_ENDPOINT"]
    return start_server(env)


def trace_id_of(response):
    return response.headers["traceresponse"].split("-")[1]


def items_of(sink, trace_id):
    return [item for item in sink.items() if item["data"].get("custom", {}).get("trace_id") == trace_id]


@pytest.fixture(scope="module")
def faults(backend, sink):
    """A signed-in request that fails in its service, and a sign-in that fails in its own: each one's
    response and trace id, once the sink holds both items."""
    signup = requests.post(f"{backend.url}/api/auth/signup", timeout=10, json={
        "handle": HANDLE, "display_name": "Sink User", "email": "sink@example.com", "password": SIGNUP_PASSWORD})
    assert signup.status_code == 201, signup.text
    token = signup.json()["access_token"]
    home = requests.get(f"{backend.url}/api/activities/home", timeout=10, headers={"Authorization": f"Bearer {token}"})
    signin = requests.post(f"{backend.url}/api/auth/signin", timeout=10,
                           json={"login": HANDLE, "password": SIGNIN_PASSWORD})
    assert (home.status_code, signin.status_code) == (500, 500), (home.text, signin.text)
    found = {name: trace_id_of(response) for name, response in (("home", home), ("signin", signin))}
    assert wait_until(lambda: all(items_of(sink, trace_id) for trace_id in found.values()), timeout=30), \
        sink.items_text()[-3000:]
    return {"token": token, "trace_ids": found}


def test_an_unhandled_fault_is_exactly_one_item_with_its_trace_id_and_person(faults, sink):
    [item] = items_of(sink, faults["trace_ids"]["home"])
    data = item["data"]
    assert data["body"]["trace"]["exception"]["class"] == "InjectedFault"
    assert data["person"]["username"] == HANDLE
    assert data["request"]["url"].split("?")[0].endswith("/api/activities/home")
    assert data["environment"] == "test" and data["level"] == "error"
    assert item["access_token"] == LOCAL_ROLLBAR_TOKEN  # not a secret: the sink takes any token


def test_a_faulted_sign_in_is_one_item_without_its_password(faults, sink):
    [item] = items_of(sink, faults["trace_ids"]["signin"])
    data = item["data"]
    assert data["body"]["trace"]["exception"]["class"] == "InjectedFault"
    assert data["request"]["url"].endswith("/api/auth/signin") and data["request"]["method"] == "POST"
    assert "person" not in data, "sign-in takes no bearer token"


def test_no_secret_reaches_the_sink(faults, sink):
    text = sink.items_text()
    backend_items = [item for item in sink.items() if item.get("access_token") == LOCAL_ROLLBAR_TOKEN]
    assert len(backend_items) == 2, "exactly the two faults' items"
    for secret in (faults["token"], SIGNUP_PASSWORD, SIGNIN_PASSWORD):
        assert secret not in text
    assert "Bearer " not in text


def test_the_backend_met_no_rollbar_error(faults, backend):
    """pyrollbar logs a warning or error when the API's answer is not a 200 with JSON; none was logged."""
    output = backend.output()
    for complaint in ("Got unexpected status code from Rollbar", "Could not decode Rollbar", "Rollbar api returned",
                      "request entity too large"):
        assert complaint not in output


def test_the_sink_answers_pyrollbar_with_200_json(sink):
    """pyrollbar's own sender and parser, in a process of its own (Rollbar's settings are process-wide)."""
    script = (
        "import json, sys, rollbar\n"
        "rollbar.init('pyrollbar-test', environment='test', endpoint=sys.argv[1], handler='blocking')\n"
        "payload = json.dumps({'access_token': 'pyrollbar-test', 'data': {'environment': 'test', 'level': 'info', "
        "'body': {'message': {'body': 'from pyrollbar'}}, 'custom': {'trace_id': 'pyrollbar-1'}}})\n"
        "result = rollbar._post_api('item/', payload, access_token='pyrollbar-test')\n"
        "print(type(result).__name__)\n")
    done = subprocess.run([sys.executable, "-c", script, sink.api], capture_output=True, text=True, timeout=60,
                          check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "Result"), done.stderr
    assert wait_until(lambda: items_of(sink, "pyrollbar-1"), timeout=10)
    reply = sink.post(json.dumps({"access_token": "x", "data": {"custom": {"trace_id": "direct-1"}}}),
                      headers={"X-Rollbar-Access-Token": "x"})
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "application/json"
    assert reply.json() == {"err": 0, "result": {"uuid": None}}


def test_a_get_on_the_item_api_is_refused(sink):
    before = len(sink.items())
    for method in ("GET", "HEAD", "PUT"):
        assert requests.request(method, sink.api + "item/", timeout=10).status_code == 403, method
    assert len(sink.items()) == before


def test_a_body_over_1_mib_is_refused_and_the_sink_stays_up(sink):
    big = json.dumps({"access_token": "x", "data": {"custom": {"trace_id": "too-big"},
                                                   "body": {"message": {"body": "x" * (1024 * 1024)}}}})
    assert len(big) > 1024 * 1024
    assert sink.post(big).status_code == 413
    assert sink.alive()
    assert requests.get(sink.url + "/healthz", timeout=10).text == "ok\n"
    assert not items_of(sink, "too-big")
    assert sink.post(json.dumps({"access_token": "x", "data": {"custom": {"trace_id": "after-big"}}})).ok
    assert wait_until(lambda: items_of(sink, "after-big"), timeout=10)


def test_a_refused_request_leaves_no_line(sink):
    before = sink.items_text()
    requests.get(sink.api + "item/", timeout=10)
    sink.post(b"x" * (1024 * 1024 + 1))
    # nginx writes a request's line after answering it: a sentinel item written after both marks the end.
    sink.post(json.dumps({"access_token": "x", "data": {"custom": {"trace_id": "sentinel-1"}}}))
    assert wait_until(lambda: items_of(sink, "sentinel-1"), timeout=10)
    added = sink.items_text()[len(before):].splitlines()
    assert len(added) == 1


def test_a_rollbar_token_keeps_rollbar_and_ignores_the_local_sink(tmp_path):
    base = {"SECRET_KEY": "x", "XDG_DATA_HOME": str(tmp_path),
            "CRUDDUR_LOCAL_ROLLBAR_URL": "http://rollbar-sink:8088/api/1/"}
    with_token = Config({**base, "ROLLBAR_ACCESS_TOKEN": "real-token-1234"})
    assert with_token.ROLLBAR_ACCESS_TOKEN == "real-token-1234"
    assert with_token.ROLLBAR_ENDPOINT == "https://api.rollbar.com/api/1/"
    local = Config(base)
    assert local.ROLLBAR_ACCESS_TOKEN == LOCAL_ROLLBAR_TOKEN
    assert local.ROLLBAR_ENDPOINT == "http://rollbar-sink:8088/api/1/"
