"""aws/policies/*.json grant exactly the listed actions on the listed resources, and IAM accepts them."""
import json
from pathlib import Path

import pytest

POLICIES = Path(__file__).resolve().parents[2] / "aws" / "policies"

LOG_GROUP_RESOURCES = {"arn:aws:logs:*:*:log-group:cruddur", "arn:aws:logs:*:*:log-group:cruddur:*"}
# What each policy may grant, as (action, resource) pairs; nothing else.
EXPECTED_GRANTS = {
    "backend-cloudwatch-logs.json": {
        (action, resource)
        for action in ("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents")
        for resource in LOG_GROUP_RESOURCES
    },
    # The ECS execution role: the backend's SSM secrets and the awslogs driver's group only.
    "backend-task-execution.json": {("ssm:GetParameters", "arn:aws:ssm:*:*:parameter/cruddur/backend-flask/*")} | {
        (action, resource)
        for action in ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")
        for resource in ("arn:aws:logs:*:*:log-group:/cruddur/fargate", "arn:aws:logs:*:*:log-group:/cruddur/fargate:*")
    },
    # X-Ray's write and sampling actions have no resource-level permissions: "*" is the only form.
    "xray-daemon-write.json": {
        (action, "*")
        for action in ("xray:PutTraceSegments", "xray:PutTelemetryRecords",
                       "xray:GetSamplingRules", "xray:GetSamplingTargets")
    },
}


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _grants(document):
    grants = set()
    for statement in document["Statement"]:
        for action in _as_list(statement["Action"]):
            for resource in _as_list(statement["Resource"]):
                grants.add((action, resource))
    return grants


def test_every_policy_file_is_expected():
    assert {p.name for p in POLICIES.glob("*.json")} == set(EXPECTED_GRANTS)


@pytest.mark.parametrize("name", sorted(EXPECTED_GRANTS))
def test_policy_grants_exactly_the_listed_actions_and_resources(name):
    document = json.loads((POLICIES / name).read_text())
    assert document["Version"] == "2012-10-17"
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource"}, "no NotAction/NotResource/Principal"
        for action in _as_list(statement["Action"]):
            assert "*" not in action, f"{name}: wildcard action {action}"
    assert _grants(document) == EXPECTED_GRANTS[name]


def test_log_resources_cannot_reach_another_log_group():
    # Log group names cannot contain ':', so "cruddur:*" matches only the cruddur group's streams.
    for _, resource in EXPECTED_GRANTS["backend-cloudwatch-logs.json"]:
        assert resource.split(":log-group:")[1].split(":")[0] == "cruddur"


@pytest.mark.parametrize("name", sorted(EXPECTED_GRANTS))
def test_iam_accepts_the_policy_document(boto_clients, name):
    document = (POLICIES / name).read_text()
    policy = boto_clients["iam"].create_policy(PolicyName=name.removesuffix(".json"), PolicyDocument=document)
    assert policy["Policy"]["Arn"].endswith(":policy/" + name.removesuffix(".json"))
