"""docker compose without an account (config.py's `_use_local_services`): CRUDDUR_LOCAL_AWS_URL stands in for
AWS only while no AWS credential and no AWS_ENDPOINT_URL are set, CRUDDUR_LOCAL_ROLLBAR_URL for Rollbar only
while ROLLBAR_ACCESS_TOKEN is unset. On the wire: with no AWS credentials anywhere, the backend's access lines
reach CloudWatch Logs group `cruddur` at the local AWS (a moto server)."""
import json

import pytest
import requests

from cruddur.config import LOCAL_REGION, LOCAL_ROLLBAR_TOKEN, Config
from cruddur.telemetry.logs import Logs
from testkit.receivers import wait_until, xray_id
from testkit.signals import signals_env

LOCAL_AWS = "http://moto:4566"
LOCAL_ROLLBAR = "http://rollbar-sink:8088/api/1/"


@pytest.fixture
def config(tmp_path):
    def make(**env):
        return Config({"SECRET_KEY": "x", "XDG_DATA_HOME": str(tmp_path), **env})

    return make


def test_the_local_aws_stands_in_with_no_credentials_and_no_endpoint(config):
    local = config(CRUDDUR_LOCAL_AWS_URL=LOCAL_AWS)
    assert local.LOCAL_AWS is True
    assert local.AWS_ENDPOINT_URL == LOCAL_AWS and local.AWS_DEFAULT_REGION == LOCAL_REGION == "us-east-1"
    assert Logs(local.as_mapping(), owner=None).credentials == {"aws_access_key_id": "local",
                                                               "aws_secret_access_key": "local"}
    regional = config(CRUDDUR_LOCAL_AWS_URL=LOCAL_AWS, AWS_DEFAULT_REGION="eu-west-2")
    assert regional.LOCAL_AWS is True and regional.AWS_DEFAULT_REGION == "eu-west-2"


@pytest.mark.parametrize("env", [
    {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"},
    {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"},
    {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"},
    {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"},
], ids=["credentials", "key id", "endpoint", "both"])
def test_a_credential_or_an_endpoint_keeps_the_configured_aws(config, env):
    settings = config(CRUDDUR_LOCAL_AWS_URL=LOCAL_AWS, **env)
    mapping = settings.as_mapping()
    assert mapping["LOCAL_AWS"] is False and mapping["AWS_DEFAULT_REGION"] == ""
    assert mapping["AWS_ENDPOINT_URL"] == env.get("AWS_ENDPOINT_URL", "")
    assert Logs(settings.as_mapping(), owner=None).credentials == {}, "boto3's own chain"


def test_no_local_aws_url_is_no_local_aws(config):
    settings = config()
    assert settings.LOCAL_AWS is False and settings.AWS_ENDPOINT_URL == "" and settings.AWS_DEFAULT_REGION == ""
    assert config(CRUDDUR_LOCAL_AWS_URL="").LOCAL_AWS is False


def test_the_local_rollbar_sink_stands_in_only_without_a_token(config):
    local = config(CRUDDUR_LOCAL_ROLLBAR_URL=LOCAL_ROLLBAR)
    assert (local.ROLLBAR_ACCESS_TOKEN, local.ROLLBAR_ENDPOINT) == (LOCAL_ROLLBAR_TOKEN, LOCAL_ROLLBAR)
    empty = config(CRUDDUR_LOCAL_ROLLBAR_URL=LOCAL_ROLLBAR, ROLLBAR_ACCESS_TOKEN="")
    assert (empty.ROLLBAR_ACCESS_TOKEN, empty.ROLLBAR_ENDPOINT) == (LOCAL_ROLLBAR_TOKEN, LOCAL_ROLLBAR)
    real = config(CRUDDUR_LOCAL_ROLLBAR_URL=LOCAL_ROLLBAR, ROLLBAR_ACCESS_TOKEN="real-token-1234")
    assert (real.ROLLBAR_ACCESS_TOKEN, real.ROLLBAR_ENDPOINT) == ("real-token-1234", "https://api.rollbar.com/api/1/")
    custom = config(CRUDDUR_LOCAL_ROLLBAR_URL=LOCAL_ROLLBAR, ROLLBAR_ACCESS_TOKEN="real-token-1234",
                    ROLLBAR_ENDPOINT="https://rollbar.example/api/1/")
    assert custom.ROLLBAR_ENDPOINT == "https://rollbar.example/api/1/"
    off = config()
    assert off.ROLLBAR_ACCESS_TOKEN == "" and off.ROLLBAR_ENDPOINT == "https://api.rollbar.com/api/1/"


@pytest.fixture(scope="module")
def local_aws_backend(new_database_url, receivers, start_server, tmp_path_factory):
    """The backend as compose runs it without an account: CRUDDUR_LOCAL_AWS_URL at the moto server, and no
    AWS credential, endpoint or region anywhere boto3 looks (environment, shared files)."""
    nowhere = tmp_path_factory.mktemp("no-aws") / "absent"
    env = signals_env(new_database_url("sqlite"), receivers, CLOUDWATCH_LOG_GROUP="cruddur",
                      CRUDDUR_LOCAL_AWS_URL=receivers["moto"].url,
                      AWS_SHARED_CREDENTIALS_FILE=nowhere, AWS_CONFIG_FILE=nowhere)
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        del env[name]
    assert not {k for k in env if k.startswith("AWS_") and "XRAY" not in k} - {
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"}
    return start_server(env)


def test_access_lines_reach_the_local_aws_cruddur_group(local_aws_backend, receivers):
    url = local_aws_backend.url
    trace_ids = {}
    for path, status in (("/api/activities/home", 200), ("/api/users/@worf/short", 200),
                         ("/api/activities/search?term=", 422)):
        response = requests.get(url + path, timeout=10)
        assert response.status_code == status, response.text
        trace_ids[response.headers["traceresponse"].split("-")[1]] = (path.split("?")[0], status)

    def access_lines():
        lines = map(_json, receivers["moto"].log_events("cruddur"))
        return {line["trace_id"]: line for line in lines
                if line and line.get("logger") == "cruddur.access" and line.get("trace_id") in trace_ids}

    found = wait_until(lambda: (lines := access_lines()) and len(lines) == len(trace_ids) and lines, timeout=30)
    assert found and set(found) == set(trace_ids), local_aws_backend.output()[-3000:]
    for trace_id, (path, status) in trace_ids.items():
        line = found[trace_id]
        assert (line["path"], line["status"], line["xray_trace_id"]) == (path, status, xray_id(trace_id))
    assert "CloudWatch Logs off" not in local_aws_backend.output()


def _json(event):
    try:
        return json.loads(event["message"])
    except ValueError:
        return None
