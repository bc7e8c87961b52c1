"""Errors in spans and segments, on the wire: a handled 4xx (404, 401, 422, 429) leaves the SERVER
span and the service span UNSET with no exception event, and X-Ray flags `error` (and `throttle`
for 429); an unhandled error (an injected fault) sets ERROR, `error.type` (the exception's class)
and one exception event on the SERVER span and on the service span, and X-Ray flags `fault`."""
import pytest
import requests
from opentelemetry.proto.trace.v1.trace_pb2 import Status

from testkit.receivers import wait_until, xray_id
from testkit.signals import signals_env

UNSET, ERROR = Status.STATUS_CODE_UNSET, Status.STATUS_CODE_ERROR
FAULT_TYPE = "cruddur.telemetry.faults.InjectedFault"


def _spans(receivers, trace_id):
    """The trace's spans with their status, attributes and events, from the raw OTLP requests."""
    spans = {}
    with receivers["otlp"].lock:
        entries = list(receivers["otlp"].requests)
    for entry in entries:
        for resource_spans in entry["request"].resource_spans:
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    if span.trace_id.hex() == trace_id:
                        spans[span.name] = {
                            "kind": span.kind, "status": span.status.code,
                            "attributes": {a.key: a.value.string_value for a in span.attributes},
                            "events": [e.name for e in span.events]}
    return spans


def _server(spans):
    [server] = [s for s in spans.values() if s["kind"] == 2]  # SPAN_KIND_SERVER
    return server


@pytest.fixture(scope="module")
def run(module_database_url, receivers, start_server):
    env = signals_env(module_database_url, receivers, CRUDDUR_FAULTS="home_activities:error",
                      CRUDDUR_ROLLBAR_TEST_LIMIT="1/hour")
    server = start_server(env, workers=1)  # one limiter store: the second /rollbar/test is a 429
    url = server.url
    answers = {
        "404": requests.get(f"{url}/api/users/@nobody_here/short", timeout=10),
        "401": requests.post(f"{url}/api/auth/signin", json={"login": "londo", "password": "wrong-password-1"},
                             timeout=10),
        "422": requests.get(f"{url}/api/activities/search?term=", timeout=10),
        "200": requests.get(f"{url}/rollbar/test", timeout=10),
        "429": requests.get(f"{url}/rollbar/test", timeout=10),
        "500": requests.get(f"{url}/api/activities/home", timeout=10),
    }
    for status, response in answers.items():
        assert response.status_code == int(status), (status, response.text)
    return {status: response.headers["traceresponse"].split("-")[1] for status, response in answers.items()}


SERVICES = {"404": "users_short", "401": "signin", "422": None, "429": None}


@pytest.mark.parametrize("status", ["404", "401", "422", "429"])
def test_a_handled_4xx_leaves_spans_unset_and_flags_xray_error(run, receivers, status):
    trace_id = run[status]
    service = SERVICES[status]
    # The service span ends first and may leave in an earlier batch than the SERVER span: wait for both.
    spans = wait_until(lambda: (s := _spans(receivers, trace_id)) and (service is None or service in s)
                       and any(span["kind"] == 2 for span in s.values()) and s)
    server = _server(spans)
    assert (server["status"], server["events"]) == (UNSET, [])
    assert "error.type" not in server["attributes"] or server["attributes"]["error.type"] == status
    if service is not None:
        assert (spans[service]["status"], spans[service]["events"]) == (UNSET, [])
        assert "error.type" not in spans[service]["attributes"]
    [segment] = wait_until(lambda: receivers["xray"].segments(xray_id(trace_id)))
    assert segment.get("error") is True and not segment.get("fault")
    assert bool(segment.get("throttle")) == (status == "429")
    for subsegment in segment.get("subsegments", []):
        assert subsegment["name"] == service
        assert subsegment.get("error") is True and not subsegment.get("fault") and "cause" not in subsegment


def test_an_unhandled_error_is_error_with_its_type_and_one_event(run, receivers):
    trace_id = run["500"]
    spans = wait_until(lambda: (s := _spans(receivers, trace_id)) and "home_activities" in s and
                       any(x["kind"] == 2 for x in s.values()) and s)
    server, service = _server(spans), spans["home_activities"]
    for span in (server, service):
        assert span["status"] == ERROR
        assert span["attributes"]["error.type"] == FAULT_TYPE
        assert span["events"] == ["exception"]
    [segment] = wait_until(lambda: receivers["xray"].segments(xray_id(trace_id)))
    assert segment.get("fault") is True and not segment.get("error")
    [subsegment] = segment["subsegments"]
    assert subsegment["name"] == "home_activities" and subsegment.get("fault") is True
    assert subsegment["cause"]["exceptions"][0]["type"] == "InjectedFault"


def test_a_success_stays_unset(run, receivers):
    spans = wait_until(lambda: (s := _spans(receivers, run["200"])) and any(x["kind"] == 2 for x in s.values()) and s)
    server = _server(spans)
    assert (server["status"], server["events"]) == (UNSET, [])
    [segment] = wait_until(lambda: receivers["xray"].segments(xray_id(run["200"])))
    assert not (segment.get("error") or segment.get("fault") or segment.get("throttle"))
