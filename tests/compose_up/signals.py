"""What the compose-up stack's signals hold, read as a person reads them: Jaeger's query API, the local
AWS's X-Ray and CloudWatch Logs APIs, and the Rollbar sink's items, each on its published port."""
import json

import boto3
import requests

from testkit.receivers import xray_id


def jaeger_trace(stack, trace_id):
    """The trace as Jaeger's query API returns it: {span name: service name}, empty when unknown."""
    with requests.get(f"http://127.0.0.1:{stack.ports['jaeger']}/api/traces/{trace_id}", timeout=5) as answer:
        if not answer.ok:
            return {}
        return {span["operationName"]: trace["processes"][span["processID"]]["serviceName"]
                for trace in answer.json().get("data") or [] for span in trace["spans"]}


def jaeger_services(stack, trace_id):
    return set(jaeger_trace(stack, trace_id).values())


def aws(stack, service):
    """A client of the local AWS as a person reads it: its published port, any credentials."""
    return boto3.client(service, endpoint_url=f"http://127.0.0.1:{stack.ports['moto']}", region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


def xray_segments(stack, trace_id):
    traces = aws(stack, "xray").batch_get_traces(TraceIds=[xray_id(trace_id)])["Traces"]
    return [json.loads(segment["Document"]) for trace in traces for segment in trace["Segments"]]


def log_lines(stack, trace_id, group="cruddur"):
    logs = aws(stack, "logs")
    try:
        events = logs.filter_log_events(logGroupName=group, filterPattern=f'"{trace_id}"')["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [json.loads(e["message"]) for e in events if e["message"].startswith("{")]


def rollbar_items(stack):
    """The local Rollbar sink's items, as a person reads them: GET /items.jsonl on its port."""
    with requests.get(f"http://127.0.0.1:{stack.ports['rollbar']}/items.jsonl", timeout=5) as answer:
        answer.raise_for_status()
        return [json.loads(json.loads(line)["body"]) for line in answer.text.splitlines() if line.strip()]
