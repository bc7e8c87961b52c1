#!/usr/bin/env python3
"""Create, or bring up to date, the AWS resources Cruddur's telemetry writes to.

- the X-Ray group `Cruddur`, filtering `service("backend-flask")`;
- the X-Ray sampling rule in aws/json/xray.json;
- the CloudWatch Logs group `cruddur`, with a retention.

Running it again changes nothing unless a resource drifted from what is declared
here. Honours AWS_DEFAULT_REGION, the usual credential variables and
AWS_ENDPOINT_URL (for example an emulator).
"""
import argparse
import json
import sys
from pathlib import Path

from cruddur_aws import EXIT_NOT_CONFIGURED, ScriptError, aws_client, aws_session, describe_target, run_cli

HERE = Path(__file__).resolve().parent
DEFAULT_SAMPLING_RULE = HERE / "json" / "xray.json"
DEFAULT_GROUP = "Cruddur"
DEFAULT_FILTER = 'service("backend-flask")'
DEFAULT_LOG_GROUP = "cruddur"
DEFAULT_RETENTION_DAYS = 7
# The values CloudWatch Logs accepts for retentionInDays.
RETENTION_CHOICES = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
                     3653)
# Sampling-rule fields that UpdateSamplingRule can change (Version cannot be changed).
UPDATABLE_RULE_FIELDS = (
    "ResourceARN", "Priority", "FixedRate", "ReservoirSize", "ServiceName",
    "ServiceType", "Host", "HTTPMethod", "URLPath", "Attributes",
)


def load_sampling_rule(path):
    try:
        document = json.loads(Path(path).read_text())
        rule = document["SamplingRule"]
        rule["RuleName"]
    except FileNotFoundError:
        raise ScriptError(f"sampling rule file not found: {path}", EXIT_NOT_CONFIGURED) from None
    except (ValueError, KeyError, TypeError) as err:
        raise ScriptError(
            f"{path} is not a {{\"SamplingRule\": {{\"RuleName\": ...}}}} document: {err}",
            EXIT_NOT_CONFIGURED,
        ) from err
    return rule


def ensure_xray_group(xray, name, filter_expression, dry_run):
    groups = [g for page in xray.get_paginator("get_groups").paginate() for g in page.get("Groups", [])]
    existing = next((g for g in groups if g.get("GroupName") == name), None)
    if existing is None:
        if not dry_run:
            xray.create_group(GroupName=name, FilterExpression=filter_expression)
        return "created"
    if existing.get("FilterExpression") != filter_expression:
        if not dry_run:
            xray.update_group(GroupName=name, FilterExpression=filter_expression)
        return "updated"
    return "unchanged"


def _comparable(rule):
    return {field: rule.get(field, {} if field == "Attributes" else None) for field in UPDATABLE_RULE_FIELDS}


def ensure_sampling_rule(xray, rule, dry_run):
    records = [
        r["SamplingRule"]
        for page in xray.get_paginator("get_sampling_rules").paginate()
        for r in page.get("SamplingRuleRecords", [])
    ]
    existing = next((r for r in records if r.get("RuleName") == rule["RuleName"]), None)
    if existing is None:
        if not dry_run:
            xray.create_sampling_rule(SamplingRule=rule)
        return "created"
    wanted, current = _comparable(rule), _comparable(existing)
    changed = {field: value for field, value in wanted.items() if current[field] != value}
    if changed:
        if not dry_run:
            xray.update_sampling_rule(SamplingRuleUpdate={"RuleName": rule["RuleName"], **changed})
        return "updated (" + ", ".join(sorted(changed)) + ")"
    return "unchanged"


def ensure_log_group(logs, name, retention_days, dry_run):
    pages = logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=name)
    existing = next((g for page in pages for g in page.get("logGroups", []) if g["logGroupName"] == name), None)
    if existing is None:
        if not dry_run:
            logs.create_log_group(logGroupName=name)
            logs.put_retention_policy(logGroupName=name, retentionInDays=retention_days)
        return "created"
    if existing.get("retentionInDays") != retention_days:
        if not dry_run:
            logs.put_retention_policy(logGroupName=name, retentionInDays=retention_days)
        return f"updated (retention {existing.get('retentionInDays', 'never expire')} -> {retention_days} days)"
    return "unchanged"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Create or update Cruddur's X-Ray group, X-Ray sampling rule and CloudWatch log group. "
        "Idempotent: a second run reports every resource as unchanged.",
        epilog="Uses the standard AWS environment: AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID, "
        "AWS_SECRET_ACCESS_KEY or AWS_PROFILE, and AWS_ENDPOINT_URL for an emulator. "
        "Exit codes: 0 done, 1 AWS error, 2 not configured.",
    )
    parser.add_argument("--sampling-rule", default=str(DEFAULT_SAMPLING_RULE), metavar="PATH",
                        help="JSON file in the shape `aws xray create-sampling-rule --cli-input-json` takes "
                        "(default: %(default)s)")
    parser.add_argument("--group-name", default=DEFAULT_GROUP, help="X-Ray group name (default: %(default)s)")
    parser.add_argument("--filter-expression", default=DEFAULT_FILTER,
                        help="X-Ray group filter (default: %(default)s)")
    parser.add_argument("--log-group", default=DEFAULT_LOG_GROUP,
                        help="CloudWatch Logs group; the backend's CLOUDWATCH_LOG_GROUP (default: %(default)s)")
    parser.add_argument("--retention-days", type=int, default=DEFAULT_RETENTION_DAYS, choices=RETENTION_CHOICES,
                        metavar="DAYS", help="log retention in days, one of CloudWatch's allowed values "
                        "(default: %(default)s)")
    parser.add_argument("--dry-run", action="store_true", help="report what would change, change nothing")
    return parser.parse_args(argv)


@run_cli
def main(argv=None):
    args = parse_args(argv)
    rule = load_sampling_rule(args.sampling_rule)
    session = aws_session()
    xray, logs = aws_client(session, "xray"), aws_client(session, "logs")
    print(("[dry run] " if args.dry_run else "") + describe_target(session, xray, logs))

    results = [
        (f"X-Ray group {args.group_name} ({args.filter_expression})",
         ensure_xray_group(xray, args.group_name, args.filter_expression, args.dry_run)),
        (f"X-Ray sampling rule {rule['RuleName']}", ensure_sampling_rule(xray, rule, args.dry_run)),
        (f"CloudWatch log group {args.log_group} (retention {args.retention_days} days)",
         ensure_log_group(logs, args.log_group, args.retention_days, args.dry_run)),
    ]
    for what, outcome in results:
        print(f"{what}: {'would be ' if args.dry_run and outcome != 'unchanged' else ''}{outcome}")
    changed = sum(outcome != "unchanged" for _, outcome in results)
    print(f"{changed} changed, {len(results) - changed} unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
