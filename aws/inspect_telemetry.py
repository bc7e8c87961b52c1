#!/usr/bin/env python3
"""Print what Cruddur sent to AWS in the last few minutes.

The terminal answer to "open the X-Ray and CloudWatch consoles": X-Ray trace
summaries, the X-Ray service graph, and the CloudWatch Logs events of the
backend's log group. Honours AWS_DEFAULT_REGION, the usual credential variables
and AWS_ENDPOINT_URL.
"""
import argparse
import sys
from datetime import UTC, datetime, timedelta

from botocore.exceptions import ClientError
from cruddur_aws import aws_client, aws_session, describe_target, run_cli

SECTIONS = ("traces", "graph", "logs")
# GetTraceSummaries refuses windows longer than a day.
MAX_MINUTES = 24 * 60


def _iso(value):
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, tz=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else "-"


def print_trace_summaries(xray, start, end, limit, filter_expression):
    print(f"== X-Ray trace summaries, {_iso(start)} .. {_iso(end)}")
    kwargs = {"StartTime": start, "EndTime": end, "Sampling": False}
    if filter_expression:
        kwargs["FilterExpression"] = filter_expression
    summaries = [s for page in xray.get_paginator("get_trace_summaries").paginate(**kwargs)
                 for s in page.get("TraceSummaries", [])]
    if not summaries:
        print("no traces in this window")
        return
    summaries.sort(key=lambda s: s.get("StartTime") or datetime.min.replace(tzinfo=UTC), reverse=True)
    for summary in summaries[:limit]:
        http = summary.get("Http") or {}
        flags = [name for name, key in (("fault", "HasFault"), ("error", "HasError"), ("throttle", "HasThrottle"))
                 if summary.get(key)]
        request = " ".join(str(x) for x in (http.get("HttpMethod"), http.get("HttpURL"), http.get("HttpStatus")) if x)
        print(f"{summary['Id']}  {summary.get('Duration', 0):.3f}s  {request or '(no http data)'}"
              f"{'  [' + ','.join(flags) + ']' if flags else ''}")
    if len(summaries) > limit:
        print(f"... {len(summaries) - limit} more (raise --limit)")


def print_service_graph(xray, start, end):
    print(f"== X-Ray service graph, {_iso(start)} .. {_iso(end)}")
    services = [s for page in xray.get_paginator("get_service_graph").paginate(StartTime=start, EndTime=end)
                for s in page.get("Services", [])]
    if not services:
        print("no services in this window")
        return
    names = {s.get("ReferenceId"): s.get("Name", "?") for s in services}
    for service in services:
        stats = service.get("SummaryStatistics") or {}
        faults = (stats.get("FaultStatistics") or {}).get("TotalCount", 0)
        errors = (stats.get("ErrorStatistics") or {}).get("TotalCount", 0)
        downstream = sorted(names.get(edge.get("ReferenceId"), "?") for edge in service.get("Edges", []))
        print(f"{service.get('Name', '?')} ({service.get('Type', '?')}): {stats.get('TotalCount', 0)} requests, "
              f"{faults} faults, {errors} errors" + (f" -> {', '.join(downstream)}" if downstream else ""))


def print_log_events(logs, log_group, start, end, limit):
    print(f"== CloudWatch Logs {log_group}, {_iso(start)} .. {_iso(end)}")
    paginator = logs.get_paginator("filter_log_events")
    pages = paginator.paginate(logGroupName=log_group, startTime=int(start.timestamp() * 1000),
                               endTime=int(end.timestamp() * 1000))
    events = []
    try:
        for page in pages:
            events.extend(page.get("events", []))
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            print(f"log group {log_group} does not exist yet: run python aws/provision.py")
            return
        raise
    if not events:
        print("no log events in this window")
        return
    events.sort(key=lambda e: e.get("timestamp", 0))
    for event in events[-limit:]:
        print(f"{_iso(event.get('timestamp', 0) / 1000)}  {event.get('logStreamName', '?')}  "
              f"{event.get('message', '').rstrip()}")
    if len(events) > limit:
        print(f"({len(events) - limit} earlier events not shown; raise --limit)")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Print the last N minutes of Cruddur's X-Ray trace summaries, X-Ray service graph "
        "and CloudWatch log events.",
        epilog="Uses the standard AWS environment: AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID, "
        "AWS_SECRET_ACCESS_KEY or AWS_PROFILE, and AWS_ENDPOINT_URL for an emulator. "
        "Exit codes: 0 done, 1 AWS error, 2 not configured.",
    )
    parser.add_argument("--minutes", type=int, default=10, help="how far back to look (default: %(default)s)")
    parser.add_argument("--only", action="append", choices=SECTIONS,
                        help="show only this section; repeat for several (default: all)")
    parser.add_argument("--log-group", default="cruddur", help="CloudWatch Logs group (default: %(default)s)")
    parser.add_argument("--filter-expression", default=None,
                        help='X-Ray filter for trace summaries, e.g. service("backend-flask")')
    parser.add_argument("--limit", type=int, default=20, help="most items printed per section (default: %(default)s)")
    args = parser.parse_args(argv)
    if not 1 <= args.minutes <= MAX_MINUTES:
        parser.error(f"--minutes must be between 1 and {MAX_MINUTES}")
    if args.limit < 1:
        parser.error("--limit must be at least 1")
    return args


@run_cli
def main(argv=None):
    args = parse_args(argv)
    sections = args.only or list(SECTIONS)
    session = aws_session()
    xray, logs = aws_client(session, "xray"), aws_client(session, "logs")
    print(describe_target(session, xray, logs))
    end = datetime.now(UTC)
    start = end - timedelta(minutes=args.minutes)
    if "traces" in sections:
        print_trace_summaries(xray, start, end, args.limit, args.filter_expression)
    if "graph" in sections:
        print_service_graph(xray, start, end)
    if "logs" in sections:
        print_log_events(logs, args.log_group, start, end, args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
