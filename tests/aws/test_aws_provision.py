"""aws/provision.py against a moto server: creates, reads back, and a second run changes nothing."""
import json
import shutil
import subprocess
from pathlib import Path

import botocore.session
import pytest
from botocore.validate import validate_parameters

REPO = Path(__file__).resolve().parents[2]
SAMPLING_RULE = json.loads((REPO / "aws" / "json" / "xray.json").read_text())


def test_sampling_rule_file_is_the_documented_rule_and_valid_for_the_api():
    rule = SAMPLING_RULE["SamplingRule"]
    assert rule == {
        "RuleName": "Cruddur", "ResourceARN": "*", "Priority": 9000, "FixedRate": 0.1, "ReservoirSize": 5,
        "ServiceName": "backend-flask", "ServiceType": "*", "Host": "*", "HTTPMethod": "*", "URLPath": "*",
        "Version": 1,
    }
    model = botocore.session.get_session().get_service_model("xray")
    # Raises ParamValidationError when the document does not fit CreateSamplingRule's input.
    validate_parameters(SAMPLING_RULE, model.operation_model("CreateSamplingRule").input_shape)


def test_first_run_creates_everything_and_second_run_changes_nothing(aws_env, run_script, moto_server, boto_clients):
    first = run_script("provision.py", env=aws_env)
    assert first.returncode == 0, first.stderr
    assert "3 changed, 0 unchanged" in first.stdout
    assert first.stdout.count(": created") == 3
    assert aws_env["AWS_ENDPOINT_URL"] in first.stdout, "the script should say where it is writing"

    before = _read_back(boto_clients)
    requests_before = len(moto_server["log"].operations)
    second = run_script("provision.py", env=aws_env)
    assert second.returncode == 0, second.stderr
    assert "0 changed, 3 unchanged" in second.stdout
    assert second.stdout.count(": unchanged") == 3
    assert moto_server["log"].mutations(since=requests_before) == []
    assert _read_back(boto_clients) == before


def _read_back(clients):
    groups = {g["GroupName"]: g for g in clients["xray"].get_groups()["Groups"]}
    rules = {r["SamplingRule"]["RuleName"]: r for r in clients["xray"].get_sampling_rules()["SamplingRuleRecords"]}
    log_groups = {g["logGroupName"]: g for g in clients["logs"].describe_log_groups()["logGroups"]}
    return groups["Cruddur"], rules["Cruddur"], log_groups["cruddur"]


def test_created_resources_read_back_with_expected_fields(aws_env, run_script, boto_clients):
    assert run_script("provision.py", "--retention-days", "14", env=aws_env).returncode == 0
    group, rule_record, log_group = _read_back(boto_clients)
    assert group["FilterExpression"] == 'service("backend-flask")'
    rule = rule_record["SamplingRule"]
    for field, value in SAMPLING_RULE["SamplingRule"].items():
        assert rule[field] == value, field
    assert rule["RuleARN"].endswith(":sampling-rule/Cruddur")
    assert log_group["retentionInDays"] == 14


def test_drift_is_repaired(aws_env, run_script, boto_clients):
    xray, logs = boto_clients["xray"], boto_clients["logs"]
    xray.create_group(GroupName="Cruddur", FilterExpression='service("something-else")')
    xray.create_sampling_rule(SamplingRule={**SAMPLING_RULE["SamplingRule"], "FixedRate": 1.0})
    logs.create_log_group(logGroupName="cruddur")  # no retention: never expires

    result = run_script("provision.py", env=aws_env)
    assert result.returncode == 0, result.stderr
    assert "X-Ray group Cruddur" in result.stdout and "3 changed" in result.stdout
    assert "updated (FixedRate)" in result.stdout
    assert "never expire -> 7 days" in result.stdout
    group, rule_record, log_group = _read_back(boto_clients)
    assert group["FilterExpression"] == 'service("backend-flask")'
    assert rule_record["SamplingRule"]["FixedRate"] == 0.1
    assert log_group["retentionInDays"] == 7


def test_dry_run_reports_and_changes_nothing(aws_env, run_script, moto_server, boto_clients):
    requests_before = len(moto_server["log"].operations)
    result = run_script("provision.py", "--dry-run", env=aws_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("would be created") == 3
    assert moto_server["log"].mutations(since=requests_before) == []
    assert boto_clients["logs"].describe_log_groups()["logGroups"] == []


@pytest.mark.parametrize("missing, message", [
    ("AWS_DEFAULT_REGION", "No AWS region"),
    ("AWS_ACCESS_KEY_ID", "No AWS credentials"),
])
def test_missing_configuration_is_a_message_not_a_traceback(aws_env, run_script, missing, message):
    env = dict(aws_env)
    env.pop(missing)
    result = run_script("provision.py", env=env)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unreachable_endpoint_is_a_message_not_a_traceback(aws_env, run_script):
    env = {**aws_env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}  # discard port: nothing listens
    result = run_script("provision.py", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr


def test_bad_sampling_rule_file_is_a_message(aws_env, run_script, tmp_path):
    bad = tmp_path / "rule.json"
    bad.write_text('{"NotARule": {}}')
    result = run_script("provision.py", "--sampling-rule", str(bad), env=aws_env)
    assert result.returncode == 2
    assert "SamplingRule" in result.stderr and "Traceback" not in result.stderr


def test_help_runs_without_aws(run_script):
    result = run_script("provision.py", "--help", env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0
    assert "--retention-days" in result.stdout and "AWS_ENDPOINT_URL" in result.stdout


def _aws_cli():
    path = shutil.which("aws")
    if path is None:
        return None
    try:
        ok = subprocess.run([path, "--version"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return path if ok else None


def test_aws_cli_accepts_the_sampling_rule_file(aws_env, boto_clients):
    """The course's own command, `aws xray create-sampling-rule --cli-input-json file://...`."""
    cli = _aws_cli()
    if cli is None:
        pytest.skip("the aws CLI is not installed here")
    result = subprocess.run(
        [cli, "xray", "create-sampling-rule", "--cli-input-json", f"file://{REPO / 'aws' / 'json' / 'xray.json'}",
         "--endpoint-url", aws_env["AWS_ENDPOINT_URL"]],
        env=aws_env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["SamplingRuleRecord"]["SamplingRule"]["RuleName"] == "Cruddur"
