"""bin/trace against real local parts: a Jaeger v2 fed over OTLP/HTTP (a parent, a child and a
grandchild), a moto server holding X-Ray segments and CloudWatch log lines of several traces, and the
Rollbar sink (rollbar-sink/nginx.conf in Debian's nginx) holding secret-bearing items in both line shapes:
the envelope nginx writes for a POSTed item, and a bare item line. Nothing here patches requests or boto3."""
import json
import os
import random
import subprocess
import time

import pytest
import requests
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import SpanKind, Status, StatusCode

from testkit.net import free_port
from testkit.paths import ROOT
from testkit.receivers import wait_until, xray_id
from testkit.rollbar_sink import RollbarSink

from .cli import BIN_TRACE, bin_trace, run
from .conftest import jaeger_spans, new_trace_id

ROLLBAR_TOKEN = "rbtok-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
ENVELOPED_TOKEN = "rbtok-ffeeddccbbaa99887766554433221100"
BEARER = "bearer-secret-5c7e1a9b3d"
PASSWORD = "hunter2-secret-password"
SECRETS = (ROLLBAR_TOKEN, ENVELOPED_TOKEN, BEARER, PASSWORD)


class FixedTraceId(IdGenerator):
    """Every root span gets this trace id, so that one request's signals share it, as in Cruddur."""

    def __init__(self, trace_id):
        self.trace_id = int(trace_id, 16)

    def generate_trace_id(self):
        return self.trace_id

    def generate_span_id(self):
        return random.getrandbits(64)


def send_request_spans(otlp_url, trace_id, route="/api/activities/home", fail=False):
    """The spans of one request: SERVER -> INTERNAL service call -> CLIENT database span."""
    provider = TracerProvider(resource=Resource.create({"service.name": "backend-flask"}),
                              id_generator=FixedTraceId(trace_id))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=otlp_url + "/v1/traces", timeout=10)))
    tracer = provider.get_tracer("cruddur.tests")
    with tracer.start_as_current_span(f"GET {route}", kind=SpanKind.SERVER, attributes={
            "http.request.method": "GET", "http.route": route, "http.response.status_code": 500 if fail else 200,
            "url.scheme": "http"}):
        time.sleep(0.002)
        with tracer.start_as_current_span("home_activities", attributes={
                "app.user_handle": "andrewbrown", "app.result_length": 3}) as service:
            with tracer.start_as_current_span("SELECT cruddur", kind=SpanKind.CLIENT,
                                              attributes={"db.system.name": "postgresql"}):
                time.sleep(0.001)
            if fail:
                service.set_status(Status(StatusCode.ERROR, "division by zero"))
                service.set_attribute("error.type", "ZeroDivisionError")
    provider.shutdown()


def put_xray(xray, trace_id, fail=False):
    now = time.time()
    segment_id, service_id = os.urandom(8).hex(), os.urandom(8).hex()
    segment = {
        "name": "backend-flask", "id": segment_id, "trace_id": xray_id(trace_id),
        "start_time": now - 0.2, "end_time": now, "fault": fail,
        "http": {"request": {"method": "GET", "url": "http://localhost:4567/api/activities/home?token=abc"},
                 "response": {"status": 500 if fail else 200}},
        "subsegments": [{
            "name": "home_activities", "id": service_id, "start_time": now - 0.15, "end_time": now - 0.05,
            "fault": fail, "annotations": {"user_handle": "andrewbrown"},
            "metadata": {"default": {"password": PASSWORD}},
            **({"cause": {"exceptions": [{"id": os.urandom(8).hex(), "type": "ZeroDivisionError",
                                          "message": "division by zero"}]}} if fail else {}),
            "subsegments": [{"name": "cruddur@db", "id": os.urandom(8).hex(), "namespace": "remote",
                             "start_time": now - 0.14, "end_time": now - 0.13}],
        }],
    }
    # A subsegment sent on its own, as the SDK streams them: it goes under its parent.
    streamed = {"type": "subsegment", "name": "notifications", "id": os.urandom(8).hex(), "parent_id": segment_id,
                "trace_id": xray_id(trace_id), "start_time": now - 0.04, "end_time": now - 0.01}
    result = xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(segment), json.dumps(streamed)])
    assert result["UnprocessedTraceSegments"] == []


def put_events(logs, group, stream, events):
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    events = sorted(events, key=lambda e: e[0])
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
        {"timestamp": ts, "message": m if isinstance(m, str) else json.dumps(m)} for ts, m in events])


def access_line(trace_id, path="/api/activities/home", status=200):
    return {"time": "2026-12-04 14:00:00,000", "level": "INFO", "logger": "cruddur.access", "message": "request",
            "method": "GET", "path": path, "status": status, "duration_ms": 12.5, "user": "andrewbrown",
            "trace_id": trace_id, "xray_trace_id": xray_id(trace_id)}


def sink_add(sink, send):
    """Add one line to the sink's items.jsonl through `send()`, and wait until it is there: nginx
    writes a request's line after answering it."""
    before = len(sink.items_text().splitlines())
    send()
    assert wait_until(lambda: len(sink.items_text().splitlines()) > before, timeout=10, interval=0.05)


def post_item(sink, item):
    sink_add(sink, lambda: sink.post(json.dumps(item)).raise_for_status())


def append_line(sink, text):
    """A line written to the file the sink serves, as nginx appends: a bare item, or anything else."""
    def send():
        with open(sink.items_path, "a", encoding="utf-8") as items:
            items.write(text + "\n")

    sink_add(sink, send)


def rollbar_item(trace_id, token, level="error", body=None, request=None):
    return {"access_token": token, "data": {
        "environment": "development", "level": level, "timestamp": int(time.time()),
        "uuid": os.urandom(16).hex(), "code_version": "abc123",
        "body": body or {"trace": {"frames": [], "exception": {"class": "ZeroDivisionError",
                                                                "message": "division by zero"}}},
        "request": request or {"url": "http://localhost:4567/api/activities/home?access_token=" + token,
                               "method": "GET", "headers": {"Authorization": "Bearer " + BEARER}},
        "person": {"id": "9a6b1c2d-0000-4000-8000-000000000001", "username": "andrewbrown"},
        "custom": {"trace_id": trace_id, "xray_trace_id": xray_id(trace_id)},
    }}


@pytest.fixture(scope="module")
def traces(jaeger, moto, sink):
    """Trace `a` (a failed request, every signal), trace `b` (another request) and `c` (only a log line)."""
    a, b, c = new_trace_id(), new_trace_id(), new_trace_id()
    send_request_spans(jaeger["otlp"], a, fail=True)
    send_request_spans(jaeger["otlp"], b, route="/api/activities/notifications")
    put_xray(moto.client("xray"), a, fail=True)
    put_xray(moto.client("xray"), b)

    logs = moto.client("logs")
    for group in ("cruddur", "cruddur-quiet"):
        logs.create_log_group(logGroupName=group)
    now = int(time.time() * 1000)
    put_events(logs, "cruddur", "backend-flask-host-1", [
        (now - 60_000, {"logger": "cruddur.services", "level": "INFO", "message": "home activities",
                        "trace_id": a, "xray_trace_id": xray_id(a)}),
        (now - 59_000, access_line(a, status=500)),
        (now - 58_000, f"plain text that mentions {a}"),
        # another request's line that mentions a's id in its text: not a's line
        (now - 57_000, {"logger": "cruddur.services", "message": f"compared with {a}", "trace_id": b}),
    ])
    put_events(logs, "cruddur", "backend-flask-host-2", [
        (now - 70_000, access_line(b, path="/api/activities/notifications")),  # older, though written later
        (now - 30_000, {"logger": "cruddur.services", "message": "newest, not an access line", "trace_id": c}),
    ])
    put_events(logs, "cruddur", "backend-flask-host-3", [(now - 2 * 3600_000, access_line(a, path="/api/old"))])
    put_events(logs, "cruddur-quiet", "backend-flask-host-1", [
        (now - 60_000, {"logger": "cruddur.services", "message": "no access line here", "trace_id": a})])

    # The sink's items.jsonl: a's item as nginx writes a POSTed one ({"time", "body": "<item JSON>"}),
    # a's second item as a bare line, b's item, an envelope with no body, and a line that only
    # mentions a. (A refused GET leaves no line.)
    post_item(sink, rollbar_item(a, ROLLBAR_TOKEN))
    bare = rollbar_item(a, ENVELOPED_TOKEN, level="critical", body={"trace_chain": [
        {"frames": [], "exception": {"class": "RuntimeError", "message": f"login failed for {PASSWORD}"}}]},
        request={"url": "http://localhost:4567/api/sessions", "method": "POST",
                 "POST": {"handle": "andrewbrown", "password": PASSWORD}})
    append_line(sink, json.dumps(bare))
    post_item(sink, rollbar_item(b, ROLLBAR_TOKEN, level="warning"))
    assert requests.get(sink.api + "item/", timeout=10).status_code == 403
    append_line(sink, json.dumps({"time": "2026-12-04T00:00:00+00:00", "body": ""}))
    append_line(sink, "not an item " + a)
    assert SECRETS[0] in sink.items_text() and PASSWORD in sink.items_text(), "the secrets are in the sink"
    assert wait_until(lambda: len(jaeger_spans(jaeger["url"], a)) == 3 and len(jaeger_spans(jaeger["url"], b)) == 3,
                      timeout=30, interval=0.2), jaeger["log"].read_text(errors="replace")[-3000:]
    return {"a": a, "b": b, "c": c}


@pytest.fixture
def local_env(jaeger, moto, sink):
    return {"CRUDDUR_JAEGER_URL": jaeger["url"], "AWS_ENDPOINT_URL": moto.url,
            "CRUDDUR_ROLLBAR_SINK_URL": sink.url, "PATH": os.environ["PATH"]}


def assert_no_secret(*texts):
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_text_shows_the_four_signals_of_one_request(traces, local_env):
    a, b = traces["a"], traces["b"]
    result = run(a, env=local_env)
    assert result.code == 0, result.err
    out = result.out
    lines = out.splitlines()
    assert lines[0] == f"trace {a}  (X-Ray {xray_id(a)})"

    # 1. the span tree: each span indented under its parent, with service, name, duration, kind, status
    spans = [line for line in lines if "backend-flask  " in line and " ms  [" in line]
    server, service, database = spans[:3]
    assert server.startswith("  backend-flask  GET /api/activities/home  ") and "[SERVER]" in server
    assert "http.route=/api/activities/home" in server and "http.response.status_code=500" in server
    assert service.startswith("    backend-flask  home_activities  ") and "[INTERNAL ERROR]" in service
    assert "app.user_handle=andrewbrown" in service and "app.result_length=3" in service
    assert "error.type=ZeroDivisionError" in service
    assert database.startswith("      backend-flask  SELECT cruddur  ") and "[CLIENT]" in database
    assert "/api/activities/notifications" not in out, "trace b's spans are not trace a's"
    assert "== Jaeger (" in out and ": 3 spans" in out

    # 2. the X-Ray segment with its subsegments nested, the streamed one under its parent
    segment = next(line for line in lines if line.startswith("  backend-flask  20"))
    assert "[fault]" in segment and "GET /api/activities/home 500" in segment and "token=abc" not in segment
    sub = lines.index(next(line for line in lines if line.startswith("    home_activities  ")))
    assert "[fault]" in lines[sub] and "user_handle=andrewbrown" in lines[sub]
    assert "ZeroDivisionError: division by zero" in lines[sub]
    assert lines[sub + 1].startswith("      cruddur@db  ")
    assert any(line.startswith("    notifications  ") for line in lines)

    # 3. the log lines with a's trace_id, and only those
    logs = out.split("== CloudWatch Logs cruddur: 2 lines\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(logs) == 2, out
    assert "backend-flask-host-1" in logs[0] and '"message": "home activities"' in logs[0]
    assert '"logger": "cruddur.access"' in logs[1] and '"status": 500' in logs[1]
    assert "compared with" not in out and "plain text" not in out and "/api/old" not in out

    # 4. the Rollbar items, in both shapes
    heading = f"== Rollbar (local sink at {local_env['CRUDDUR_ROLLBAR_SINK_URL']}): 2 items\n"
    items = out.split(heading, 1)[1].splitlines()[:2]
    assert items[0] == (f"  error  ZeroDivisionError: division by zero  GET /api/activities/home  "
                        f"person=andrewbrown  trace_id={a}")
    assert items[1] == (f"  critical  RuntimeError: login failed for [redacted]  POST /api/sessions  "
                        f"person=andrewbrown  trace_id={a}")
    assert b not in out and "warning" not in out
    assert_no_secret(result.out, result.err)
    assert "access_token" not in out

    # progress on stderr only
    assert f"reading Jaeger at {local_env['CRUDDUR_JAEGER_URL']}" in result.err
    assert "reading X-Ray at" in result.err and "reading CloudWatch Logs group cruddur " in result.err
    assert f"reading Rollbar sink at {local_env['CRUDDUR_ROLLBAR_SINK_URL']}" in result.err
    assert "reading" not in out


def test_json_is_one_object_with_every_section(traces, local_env):
    a = traces["a"]
    result = run(a, "--json", env=local_env)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert {"trace_id", "jaeger", "xray", "logs", "rollbar", "links", "problems"} <= report.keys()
    assert report["trace_id"] == a and report["links"] == {} and report["problems"] == []

    spans = report["jaeger"]["spans"]
    assert [(s["depth"], s["name"]) for s in spans] == [
        (0, "GET /api/activities/home"), (1, "home_activities"), (2, "SELECT cruddur")]
    assert spans[0]["parent_id"] is None
    assert spans[1]["parent_id"] == spans[0]["span_id"] and spans[2]["parent_id"] == spans[1]["span_id"]
    assert [s["error"] for s in spans] == [False, True, False]
    assert spans[1]["attributes"]["app.user_handle"] == "andrewbrown"
    assert all(s["service"] == "backend-flask" and s["duration_ms"] > 0 for s in spans)

    (segment,) = report["xray"]["segments"]
    assert report["xray"]["id"] == xray_id(a)
    assert segment["flags"] == ["fault"] and segment["http"] == {
        "method": "GET", "url": "/api/activities/home", "status": 500}
    assert [s["name"] for s in segment["subsegments"]] == ["home_activities", "notifications"]
    service = segment["subsegments"][0]
    assert service["annotations"] == {"user_handle": "andrewbrown"}
    assert service["exception"] == {"type": "ZeroDivisionError", "message": "division by zero"}
    assert [s["name"] for s in service["subsegments"]] == ["cruddur@db"]

    assert [line["message"]["trace_id"] for line in report["logs"]] == [a, a]
    assert [line["message"]["logger"] for line in report["logs"]] == ["cruddur.services", "cruddur.access"]

    assert [(i["level"], i["exception_class"], i["method"], i["path"], i["person"], i["trace_id"])
            for i in report["rollbar"]] == [
        ("error", "ZeroDivisionError", "GET", "/api/activities/home", "andrewbrown", a),
        ("critical", "RuntimeError", "POST", "/api/sessions", "andrewbrown", a)]
    assert_no_secret(result.out, result.err)
    assert "access_token" not in result.out and "Bearer" not in result.out


def test_the_xray_form_of_an_id_is_the_same_trace(traces, local_env):
    a = traces["a"]
    by_hex = json.loads(run(a, "--json", env=local_env).out)
    for form in (xray_id(a), xray_id(a).upper(), a.upper()):
        result = run(form, "--json", env=local_env)
        assert result.code == 0, result.err
        report = json.loads(result.out)
        assert report["trace_id"] == a
        assert len(report["jaeger"]["spans"]) == 3 and len(report["logs"]) == len(by_hex["logs"]) == 2
        assert len(report["rollbar"]) == 2 and report["xray"]["segments"][0]["id"] == \
            by_hex["xray"]["segments"][0]["id"]


def test_last_is_the_newest_access_line_by_timestamp(traces, local_env):
    result = run("last", "--json", env=local_env)
    assert result.code == 0, result.err
    assert json.loads(result.out)["trace_id"] == traces["a"]
    assert f"last: trace {traces['a']}" in result.err


def test_since_bounds_the_window(traces, local_env):
    a = traces["a"]
    recent = json.loads(run(a, "--json", env=local_env).out)["logs"]
    wider = json.loads(run(a, "--json", "--since", "3h", env=local_env).out)["logs"]
    assert [line["message"].get("path") for line in wider] == ["/api/old", None, "/api/activities/home"]
    assert len(recent) == 2
    narrow = run(a, "--json", "--since", "10s", env=local_env)
    assert json.loads(narrow.out)["logs"] == []
    assert any("no line with trace_id" in p for p in json.loads(narrow.out)["problems"])


def test_a_trace_found_nowhere_exits_1_and_says_so_per_section(traces, local_env):
    unknown = new_trace_id()
    result = run(unknown, env=local_env)
    assert result.code == 1
    assert f"Jaeger at {local_env['CRUDDUR_JAEGER_URL']}: no trace {unknown}" in result.out
    assert f"X-Ray at {local_env['AWS_ENDPOINT_URL']}: no trace {xray_id(unknown)}" in result.out
    assert f"no line with trace_id {unknown}" in result.out
    assert f"  Rollbar sink at {local_env['CRUDDUR_ROLLBAR_SINK_URL']}: no Rollbar item with trace_id {unknown}" \
        in result.out.splitlines()


def test_an_unreachable_jaeger_is_reported_and_the_others_go_on(traces, local_env):
    closed = f"http://127.0.0.1:{free_port()}"
    result = run(traces["a"], "--json", "--jaeger-url", closed, env=local_env)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["jaeger"] is None
    assert report["problems"] == [f"Jaeger at {closed}: unreachable (connection refused)"]
    assert report["xray"] and len(report["logs"]) == 2 and len(report["rollbar"]) == 2
    text = run(traces["a"], "--jaeger-url", closed, env=local_env)
    assert f"  Jaeger at {closed}: unreachable (connection refused)" in text.out.splitlines()


def test_an_unreachable_aws_is_reported_per_section(traces, local_env):
    closed = f"http://127.0.0.1:{free_port()}"
    result = run(traces["a"], "--json", "--aws-endpoint-url", closed, env=local_env)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert len(report["jaeger"]["spans"]) == 3
    assert report["xray"] is None and report["logs"] == []
    assert report["problems"] == [
        f"X-Ray at {closed}: unreachable (connection refused)",
        f"CloudWatch Logs group cruddur at {closed}: unreachable (connection refused)"]
    assert len(report["rollbar"]) == 2, "the Rollbar sink is not the local AWS"


def test_an_unreachable_rollbar_sink_is_reported_and_the_others_go_on(traces, local_env):
    closed = f"http://127.0.0.1:{free_port()}"
    result = run(traces["a"], "--json", "--rollbar-sink-url", closed, env=local_env)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["rollbar"] == []
    assert report["problems"] == [f"Rollbar sink at {closed}: unreachable (connection refused)"]
    assert len(report["jaeger"]["spans"]) == 3 and report["xray"] and len(report["logs"]) == 2
    text = run(traces["a"], env={**local_env, "CRUDDUR_ROLLBAR_SINK_URL": closed})
    lines = text.out.splitlines()
    heading = lines.index(f"== Rollbar (local sink at {closed})")
    assert lines[heading + 1] == f"  Rollbar sink at {closed}: unreachable (connection refused)"


def test_the_sink_is_read_whatever_aws_is(traces, local_env):
    """Real AWS credentials without an endpoint link the AWS consoles; with no Rollbar token the items are
    still the local sink's, and none of the credentials is printed."""
    env = {**local_env, "AWS_ACCESS_KEY_ID": "AKIAEXAMPLESECRET12",
           "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
    del env["AWS_ENDPOINT_URL"]
    result = run(traces["a"], "--json", env=env)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert "xray" in report["links"] and report["xray"] is None and report["logs"] == []
    assert [i["level"] for i in report["rollbar"]] == ["error", "critical"]
    assert not any(p.startswith("Rollbar") for p in report["problems"])
    assert_no_secret(result.out, result.err)
    assert "AKIAEXAMPLESECRET12" not in result.out + result.err


def test_the_sink_read_is_capped(traces, local_env, monkeypatch):
    """items.jsonl grows while compose runs: bin/trace reads at most SINK_MAX_BYTES of it, says so, and
    keeps the items it read before the cap."""
    a, fresh = traces["a"], RollbarSink().start()
    try:
        post_item(fresh, rollbar_item(a, ROLLBAR_TOKEN))
        filler = json.dumps(rollbar_item(new_trace_id(), ROLLBAR_TOKEN))
        with open(fresh.items_path, "a", encoding="utf-8") as items:
            items.write((filler + "\n") * (300 * 1024 // len(filler)))
        post_item(fresh, rollbar_item(a, ROLLBAR_TOKEN, level="critical"))  # past the cap
        monkeypatch.setattr(bin_trace, "SINK_MAX_BYTES", 256 * 1024)
        env = {**local_env, "CRUDDUR_ROLLBAR_SINK_URL": fresh.url}
        report = json.loads(run(a, "--json", env=env).out)
        assert [i["level"] for i in report["rollbar"]] == ["error"]
        assert report["problems"] == [f"Rollbar sink at {fresh.url}: stopped after 0.25 MiB of items.jsonl (the cap); "
                                      "the items after it were not read"]
        monkeypatch.undo()
        whole = json.loads(run(a, "--json", env=env).out)
        assert [i["level"] for i in whole["rollbar"]] == ["error", "critical"] and whole["problems"] == []
    finally:
        fresh.stop()


def test_nothing_reachable_exits_1(traces):
    closed = f"http://127.0.0.1:{free_port()}"
    result = run(traces["a"], env={"CRUDDUR_JAEGER_URL": closed, "AWS_ENDPOINT_URL": closed,
                                   "CRUDDUR_ROLLBAR_SINK_URL": closed})
    assert result.code == 1
    assert result.out.count("unreachable (connection refused)") == 4
    last = run("last", env={"AWS_ENDPOINT_URL": closed})
    assert last.code == 1 and "unreachable (connection refused)" in last.err


def test_last_with_no_access_line_exits_1(traces, local_env):
    result = run("last", "--log-group", "cruddur-quiet", env=local_env)
    assert result.code == 1 and "no cruddur.access line" in result.err
    missing = run("last", "--log-group", "no-such-group", env=local_env)
    assert missing.code == 1 and "group no-such-group" in missing.err and "does not exist" in missing.err


def test_real_services_are_linked_not_read_and_no_secret_is_printed(traces, jaeger):
    a = traces["a"]
    secrets = {"HONEYCOMB_API_KEY": "hcaik_01jexamplehoneycombsecretvalue",
               "AWS_ACCESS_KEY_ID": "AKIAEXAMPLESECRET12",
               "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
               "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLE",
               "ROLLBAR_ACCESS_TOKEN": "rollbar-post-server-item-secret-0123"}
    env = {**secrets, "CRUDDUR_JAEGER_URL": jaeger["url"], "AWS_REGION": "eu-west-2",
           "HONEYCOMB_TEAM": "cruddur", "HONEYCOMB_ENVIRONMENT": "dev", "HONEYCOMB_DATASET": "backend-flask",
           "ROLLBAR_PROJECT_URL": "https://rollbar.com/cruddur/cruddur/"}
    text = run(a, env=env)
    assert text.code == 0, text.err  # Jaeger is still read: compose sends traces there always
    report = json.loads(run(a, "--json", env=env).out)
    links = report["links"]
    assert links["honeycomb"] == (f"https://ui.honeycomb.io/cruddur/environments/dev/datasets/backend-flask/"
                                  f"trace?trace_id={a}")
    assert links["xray"] == ("https://eu-west-2.console.aws.amazon.com/cloudwatch/home?region=eu-west-2"
                             f"#xray:traces/{xray_id(a)}")
    assert links["cloudwatch_logs"].startswith("https://eu-west-2.console.aws.amazon.com/cloudwatch/home?"
                                               "region=eu-west-2#logsV2:logs-insights$3FqueryDetail$3D~(")
    assert f"filter*20trace_id*20*3D*20*22{a}*22" in links["cloudwatch_logs"]
    assert "source~(~'cruddur)" in links["cloudwatch_logs"]
    assert links["rollbar"] == f"https://rollbar.com/cruddur/cruddur/items/?query={a}"
    assert len(report["jaeger"]["spans"]) == 3
    assert report["xray"] is None and report["logs"] == [] and report["rollbar"] == []
    for link in links.values():
        assert link in text.out
    assert "reading X-Ray" not in text.err and "reading CloudWatch" not in text.err
    assert "reading Rollbar" not in text.err, "with a token, items go to Rollbar: the sink is not read"
    for output in (text.out, text.err, json.dumps(report)):
        for value in secrets.values():
            assert value not in output


def test_links_without_team_or_project_say_what_to_set(traces, jaeger):
    env = {"CRUDDUR_JAEGER_URL": jaeger["url"], "HONEYCOMB_API_KEY": "hcaik_secret_abcdef",
           "HONEYCOMB_ENDPOINT": "api.eu1.honeycomb.io:443", "ROLLBAR_ACCESS_TOKEN": "rb-secret-abcdef",
           "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    result = run(traces["a"], "--json", env=env)
    links = json.loads(result.out)["links"]
    assert links["honeycomb"].startswith("https://ui.eu1.honeycomb.io/ (set HONEYCOMB_TEAM")
    assert links["rollbar"].startswith("https://app.rollbar.com/ (set ROLLBAR_PROJECT_URL")
    assert "xray" not in links, "an AWS endpoint means the local AWS: read, not linked"
    assert "hcaik_secret_abcdef" not in result.out + result.err and "rb-secret-abcdef" not in result.out


def test_the_bin_trace_launcher(traces, local_env):
    env = {**local_env, "HOME": os.environ.get("HOME", "/tmp")}
    proc = subprocess.run([str(BIN_TRACE), xray_id(traces["a"])], cwd=ROOT / "backend-flask", env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "    backend-flask  home_activities  " in proc.stdout and ": 2 items" in proc.stdout
    assert proc.stderr.startswith("reading Jaeger at ")
    bad = subprocess.run([str(BIN_TRACE), "not-an-id"], env=env, capture_output=True, text=True, timeout=60,
                         check=False)
    assert bad.returncode == 2 and "not a trace id" in bad.stderr and "Traceback" not in bad.stderr


def test_the_page_cap_bounds_a_large_group(traces, moto, local_env):
    """More events than one FilterLogEvents page (10,000) match: --max-pages 1 reads one page and says so."""
    a, logs = traces["a"], moto.client("logs")
    logs.create_log_group(logGroupName="cruddur-busy")
    now = int(time.time() * 1000)
    line = json.dumps({"logger": "cruddur.services", "message": "busy", "trace_id": a})
    for batch in range(2):
        put_events(logs, "cruddur-busy", f"host-{batch}",
                   [(now - 600_000 + batch * 300_000 + i, line) for i in range(5_100)])
    capped = json.loads(run(a, "--json", "--log-group", "cruddur-busy", "--max-pages", "1", env=local_env).out)
    assert len(capped["logs"]) == 10_000
    assert ("CloudWatch Logs group cruddur-busy at " + moto.url + ": stopped after 1 pages (--max-pages); "
            "narrow --since") in capped["problems"]
    whole = json.loads(run(a, "--json", "--log-group", "cruddur-busy", env=local_env).out)
    assert len(whole["logs"]) == 10_200 and not any("stopped after" in p for p in whole["problems"])
