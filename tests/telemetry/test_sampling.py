"""Sampling: local X-Ray rules come from aws/json/xray.json, and X-Ray follows OTEL's sampled flag
while logs (and errors) stay complete."""
import json

import requests

from cruddur.telemetry.xray import local_rules
from testkit.receivers import wait_until
from testkit.signals import LOG_GROUP, signals_env


def test_local_rules_are_derived_from_the_committed_sampling_rule():
    rules = local_rules()
    assert rules["default"] == {"fixed_target": 5, "rate": 0.1}
    [rule] = rules["rules"]
    assert rule["description"] == "Cruddur" and rule["fixed_target"] == 5 and rule["rate"] == 0.1


def test_unsampled_requests_leave_no_span_or_segment_but_a_log_line(new_database_url, receivers, start_server):
    env = signals_env(new_database_url("sqlite"), receivers, OTEL_TRACES_SAMPLER="traceidratio",
                      OTEL_TRACES_SAMPLER_ARG="0")
    server = start_server(env)
    trace_ids = []
    for _ in range(5):
        response = requests.get(f"{server.url}/api/activities/home", timeout=10)
        assert response.status_code == 200
        _version, trace_id, _span, flags = response.headers["traceresponse"].split("-")
        assert flags == "00"  # not sampled
        trace_ids.append(trace_id)
    logged = wait_until(lambda: set(trace_ids) <= {json.loads(e["message"]).get("trace_id")
                                                   for e in receivers["moto"].log_events(LOG_GROUP)}, timeout=15)
    assert logged
    server.stop()
    spans = {s["trace_id"] for s in receivers["otlp"].spans()}
    segments = {d["trace_id"] for d in receivers["xray"].segments()}
    assert not spans & set(trace_ids)
    assert not segments & {f"1-{t[:8]}-{t[8:]}" for t in trace_ids}


def test_parent_based_sampling_records_whole_trees_or_nothing(new_database_url, receivers, start_server):
    """With parentbased_traceidratio (the benchmark's P1b setting) a dropped request makes no child
    span at all (Cruddur skips the per-statement and per-service work), and a request whose caller
    sampled it keeps every span: server, service and each SQL statement under the service."""
    env = signals_env(new_database_url("sqlite"), receivers, OTEL_TRACES_SAMPLER="parentbased_traceidratio",
                      OTEL_TRACES_SAMPLER_ARG="0")
    server = start_server(env)
    sampled = "6b03b6885d47a1c2e3f4a5b6c7d8e9f0"
    responses = {
        "sampled": requests.get(f"{server.url}/api/activities/home", timeout=10,
                                headers={"traceparent": f"00-{sampled}-00f067aa0ba902b7-01"}),
        "dropped": requests.get(f"{server.url}/api/activities/home", timeout=10),
    }
    assert all(r.status_code == 200 for r in responses.values())
    dropped = responses["dropped"].headers["traceresponse"].split("-")[1]
    assert responses["dropped"].headers["traceresponse"].endswith("-00")
    assert wait_until(lambda: any(s["kind"] == "SERVER" for s in receivers["otlp"].trace(sampled)), timeout=15)
    server.stop()

    spans = receivers["otlp"].trace(sampled)
    [service] = [s for s in spans if s["name"] == "home_activities"]
    statements = [s for s in spans if s["kind"] == "CLIENT" and s["parent_span_id"] == service["span_id"]]
    assert len(statements) >= 2 and all("db.query.text" in s["attributes"] for s in statements)
    assert receivers["otlp"].trace(dropped) == []
    segments = {d["trace_id"] for d in receivers["xray"].segments()}
    assert f"1-{sampled[:8]}-{sampled[8:]}" in segments and f"1-{dropped[:8]}-{dropped[8:]}" not in segments
