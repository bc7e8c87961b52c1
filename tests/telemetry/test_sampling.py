"""Sampling: local X-Ray rules come from aws/json/xray.json, and X-Ray follows OTEL's sampled flag
while logs (and errors) stay complete."""
import json

import requests

from cruddur.telemetry.xray import local_rules
from tests.support.receivers import wait_until
from tests.support.signals import LOG_GROUP, signals_env


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
        version, trace_id, _span, flags = response.headers["traceresponse"].split("-")
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
