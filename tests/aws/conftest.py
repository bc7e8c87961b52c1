"""A moto server on loopback for the aws/ scripts, plus what moto lacks.

moto 5.2.5 serves CloudWatch Logs and the X-Ray data plane (segments, trace
summaries) but not X-Ray groups or sampling rules. `_XRayControlPlane` adds
those six operations to moto's own X-Ray handler, following the AWS API
reference (names, shapes, the built-in `Default` group and rule), so the scripts
still talk HTTP to one real server through boto3.
"""
import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from moto.xray import urls as xray_urls
from moto.xray.responses import XRayResponse

from testkit.receivers import MotoServer

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
REGION = "us-east-1"

_DEFAULT_RULE = {
    "RuleName": "Default", "ResourceARN": "*", "Priority": 10000, "FixedRate": 0.05, "ReservoirSize": 1,
    "ServiceName": "*", "ServiceType": "*", "Host": "*", "HTTPMethod": "*", "URLPath": "*", "Version": 1,
    "Attributes": {},
}


class _XRayControlPlane:
    """X-Ray groups and sampling rules, kept per server (not per account: one account in tests)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.groups = {"Default": {"GroupName": "Default", "GroupARN": self._arn("group", "Default")}}
        self.rules = {"Default": self._record(dict(_DEFAULT_RULE))}

    @staticmethod
    def _arn(kind, name):
        return f"arn:aws:xray:{REGION}:{ACCOUNT}:{kind}/{name}"

    def _record(self, rule):
        now = datetime.now(UTC).timestamp()
        rule.setdefault("Attributes", {})
        rule["RuleARN"] = self._arn("sampling-rule", rule["RuleName"])
        return {"SamplingRule": rule, "CreatedAt": now, "ModifiedAt": now}

    def handle(self, action, params):
        with self.lock:
            return getattr(self, action)(params)

    def create_group(self, params):
        name = params["GroupName"]
        if name in self.groups:
            return _error("InvalidRequestException", f"Group {name} already exists")
        group = {"GroupName": name, "GroupARN": self._arn("group", name),
                 "FilterExpression": params.get("FilterExpression"),
                 "InsightsConfiguration": {"InsightsEnabled": False, "NotificationsEnabled": False}}
        self.groups[name] = group
        return {"Group": group}

    def groups_(self, params):  # GetGroups is POST /Groups
        return {"Groups": list(self.groups.values())}

    def update_group(self, params):
        group = self.groups.get(params.get("GroupName"))
        if group is None:
            return _error("InvalidRequestException", "Group not found")
        if "FilterExpression" in params:
            group["FilterExpression"] = params["FilterExpression"]
        return {"Group": group}

    def create_sampling_rule(self, params):
        rule = dict(params["SamplingRule"])
        if rule["RuleName"] in self.rules:
            return _error("InvalidRequestException", f"Rule {rule['RuleName']} already exists")
        record = self._record(rule)
        self.rules[rule["RuleName"]] = record
        return {"SamplingRuleRecord": record}

    def get_sampling_rules(self, params):
        return {"SamplingRuleRecords": list(self.rules.values())}

    def update_sampling_rule(self, params):
        update = dict(params["SamplingRuleUpdate"])
        record = self.rules.get(update.pop("RuleName", None))
        if record is None:
            return _error("InvalidRequestException", "Sampling rule not found")
        record["SamplingRule"].update(update)
        record["ModifiedAt"] = datetime.now(UTC).timestamp()
        return {"SamplingRuleRecord": record}


def _error(code, message):
    return {"__error__": (code, message)}


CONTROL_PLANE = _XRayControlPlane()
_PATHS = {"CreateGroup": "create_group", "Groups": "groups_", "UpdateGroup": "update_group",
          "CreateSamplingRule": "create_sampling_rule", "GetSamplingRules": "get_sampling_rules",
          "UpdateSamplingRule": "update_sampling_rule"}


def _install_control_plane():
    for path, method in _PATHS.items():
        xray_urls.url_paths["{0}/" + path + "$"] = XRayResponse.dispatch

        def handler(self, _method=method):
            result = CONTROL_PLANE.handle(_method, self.request_params)
            if "__error__" in result:
                return self._error(*result["__error__"])
            return json.dumps(result)

        # moto turns the URL path (e.g. /CreateGroup) into a snake_case method name.
        setattr(XRayResponse, "groups" if path == "Groups" else method, handler)


class RequestLog:
    """WSGI middleware recording the AWS operation of every request the server answers."""

    def __init__(self, app):
        self.app, self.operations = app, []

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")  # JSON protocol (CloudWatch Logs)
        self.operations.append(target.rsplit(".", 1)[-1] if target else environ.get("PATH_INFO", "").strip("/"))
        return self.app(environ, start_response)

    def mutations(self, since=0):
        verbs = ("Create", "Update", "Put", "Delete")
        return [op for op in self.operations[since:] if op.startswith(verbs)]


@pytest.fixture(scope="session")
def moto_server():
    _install_control_plane()
    server = MotoServer().start()
    log = server.wrap_app(RequestLog)  # which operations each script sent
    yield {"url": server.url, "log": log, "server": server}
    server.stop()


@pytest.fixture
def aws_env(moto_server, tmp_path):
    """Environment for a subprocess talking to the moto server with dummy credentials."""
    CONTROL_PLANE.reset()
    moto_server["server"].reset()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_ENDPOINT_URL": moto_server["url"], "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        # Keep a developer's ~/.aws out of the test.
        "AWS_CONFIG_FILE": str(tmp_path / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    })
    return env


@pytest.fixture
def run_script():
    def run(name, *args, env):
        return subprocess.run([sys.executable, str(REPO / "aws" / name), *args], env=env, capture_output=True,
                              text=True, timeout=60)
    return run


@pytest.fixture
def boto_clients(aws_env):
    import boto3
    session = boto3.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    url = aws_env["AWS_ENDPOINT_URL"]
    return {name: session.client(name, endpoint_url=url) for name in ("xray", "logs", "iam", "ecs")}
