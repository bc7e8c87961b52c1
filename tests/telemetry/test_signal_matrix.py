"""Every route, every signal, read from what arrived at the local receivers.

The matrix states as data what each request must leave behind: the OTEL span tree
(server → service → database), the X-Ray segment and its subsegment of the same name,
the CloudWatch access line, and one trace id shared by all of them."""
import json
from dataclasses import dataclass, field

import pytest
import requests

from testkit.auth import DEMO_PASSWORD, bearer, sign_in
from testkit.receivers import wait_until, xray_id
from testkit.signals import LOG_GROUP, signals_env


@dataclass
class Route:
    name: str
    method: str
    path: str
    status: int
    service: str | None
    who: str | None = None
    body: dict | None = None
    attributes: tuple = ()
    uses_db: bool = True
    extra: dict = field(default_factory=dict)


MATRIX = [
    Route("health", "GET", "/api/health-check", 200, None),
    Route("home", "GET", "/api/activities/home", 200, "home_activities",
          attributes=("app.result_length", "app.now")),
    Route("home signed in", "GET", "/api/activities/home", 200, "home_activities", who="andrewbrown",
          attributes=("app.user_handle", "app.result_length", "app.now")),
    Route("notifications", "GET", "/api/activities/notifications", 200, "notifications_activities",
          who="andrewbrown", attributes=("app.user_handle", "app.result_length")),
    Route("search", "GET", "/api/activities/search?term=cloud", 200, "search_activities",
          attributes=("app.result_length", "app.search_term_length")),
    Route("search blank", "GET", "/api/activities/search?term=", 422, None, uses_db=False),
    Route("user feed", "GET", "/api/activities/@andrewbrown", 200, "user_activities",
          attributes=("app.user_handle", "app.result_length")),
    Route("show", "GET", "/api/activities/@{crud_handle}/status/{crud_uuid}", 200, "show_activity",
          attributes=("app.activity_uuid", "app.result_length")),
    Route("create crud", "POST", "/api/activities", 201, "create_activity", who="andrewbrown",
          body={"message": "matrix crud", "ttl": "1-day"}, attributes=("app.user_handle", "app.ttl")),
    Route("invalid crud", "POST", "/api/activities", 422, None, who="andrewbrown",
          body={"message": "", "ttl": "1-day"}, uses_db=False),
    Route("reply", "POST", "/api/activities/{crud_uuid}/reply", 201, "create_reply", who="worf",
          body={"message": "matrix reply"}, attributes=("app.user_handle", "app.activity_uuid")),
    Route("users short", "GET", "/api/users/@bayko/short", 200, "users_short", attributes=("app.user_handle",)),
    Route("message groups", "GET", "/api/message_groups", 200, "message_groups", who="andrewbrown",
          attributes=("app.user_handle", "app.result_length")),
    Route("messages", "GET", "/api/messages/{group_uuid}", 200, "group_messages", who="andrewbrown",
          attributes=("app.message_group_uuid", "app.result_length")),
    Route("create message", "POST", "/api/messages", 201, "create_message", who="andrewbrown",
          body={"handle": "bayko", "message": "matrix message"}, attributes=("app.message_group_uuid",)),
    Route("signup", "POST", "/api/auth/signup", 201, "signup",
          body={"handle": "matrix", "display_name": "Matrix", "email": "m@x.example", "password": "p" * 12},
          attributes=("app.user_handle",)),
    Route("signin", "POST", "/api/auth/signin", 200, "signin",
          body={"login": "londo", "password": DEMO_PASSWORD}, attributes=("app.user_handle",)),
    Route("private without token", "GET", "/api/message_groups", 401, None, uses_db=False),
    Route("rollbar test", "GET", "/rollbar/test", 200, None, uses_db=False),
]


@pytest.fixture(scope="module")
def run(module_database_url, receivers, start_server):
    server = start_server(signals_env(module_database_url, receivers))
    url = server.url
    tokens = {}
    for who in {r.who for r in MATRIX if r.who}:
        tokens[who] = sign_in(who, url=url)
    crud = requests.get(f"{url}/api/activities/home", timeout=10).json()[0]
    group = requests.get(f"{url}/api/message_groups", timeout=10,
                         headers=bearer(tokens["andrewbrown"])).json()[0]
    values = {"crud_uuid": crud["uuid"], "crud_handle": crud["handle"], "group_uuid": group["uuid"]}
    results = {}
    for route in MATRIX:
        headers = bearer(tokens[route.who]) if route.who else {}
        response = requests.request(route.method, url + route.path.format(**values), json=route.body,
                                    headers=headers, timeout=10)
        assert response.status_code == route.status, (route.name, response.text)
        traceresponse = response.headers["traceresponse"]
        results[route.name] = {"trace_id": traceresponse.split("-")[1], "response": response}
    return {"server": server, "results": results}


def _descends_from(span, ancestor_id, by_id):
    while span and span["parent_span_id"]:
        if span["parent_span_id"] == ancestor_id:
            return True
        span = by_id.get(span["parent_span_id"])
    return False


@pytest.mark.parametrize("route", MATRIX, ids=lambda r: r.name)
def test_otel_span_tree(run, receivers, route):
    trace_id = run["results"][route.name]["trace_id"]
    spans = wait_until(lambda: [s for s in receivers["otlp"].trace(trace_id) if s["kind"] == "SERVER"]
                       and receivers["otlp"].trace(trace_id))
    by_id = {s["span_id"]: s for s in spans}
    [server] = [s for s in spans if s["kind"] == "SERVER"]
    assert server["resource"]["service.name"] == "backend-flask"
    assert server["attributes"]["http.response.status_code"] == route.status
    assert "http.status_code" not in server["attributes"]
    db_spans = [s for s in spans if s["scope"].endswith("sqlalchemy")]
    internal = [s for s in spans if s["kind"] == "INTERNAL"]
    if route.service is None:
        assert internal == []
    else:
        [service] = internal
        assert service["name"] == route.service
        assert service["parent_span_id"] == server["span_id"]
        assert set(route.attributes) <= set(service["attributes"]), service["attributes"]
        assert db_spans, "service made no database span"
        assert all(_descends_from(s, service["span_id"], by_id) for s in db_spans)
    if not route.uses_db:
        assert db_spans == []
    assert all(s["trace_id"] == trace_id for s in spans)


@pytest.mark.parametrize("route", MATRIX, ids=lambda r: r.name)
def test_xray_segment_shares_the_trace_id(run, receivers, route):
    trace_id = run["results"][route.name]["trace_id"]
    [segment] = wait_until(lambda: receivers["xray"].segments(xray_id(trace_id)))
    assert segment["name"] == run["server"].url.removeprefix("http://")  # dynamic naming: AWS_XRAY_URL matched
    assert segment["http"]["response"]["status"] == route.status
    assert run["results"][route.name]["response"].headers["X-Amzn-Trace-Id"].startswith(f"Root={xray_id(trace_id)}")
    subsegments = segment.get("subsegments", [])
    if route.service is None:
        assert subsegments == []
        return
    [subsegment] = subsegments
    assert subsegment["name"] == route.service
    if route.who:
        assert subsegment["annotations"]["user_handle"] == route.who
    keys = {a.removeprefix("app.") for a in route.attributes}
    recorded = set(subsegment.get("annotations", {})) | set(subsegment.get("metadata", {}).get("app", {}))
    assert keys <= recorded


def _log_lines(receivers):
    lines = []
    for event in receivers["moto"].log_events(LOG_GROUP):
        lines.append(json.loads(event["message"]))
    return lines


@pytest.mark.parametrize("route", MATRIX, ids=lambda r: r.name)
def test_cloudwatch_access_line(run, receivers, route):
    trace_id = run["results"][route.name]["trace_id"]
    [line] = wait_until(lambda: [entry for entry in _log_lines(receivers)
                                 if entry.get("trace_id") == trace_id and entry.get("logger") == "cruddur.access"])
    assert line["level"] == "INFO"
    assert line["method"] == route.method and line["status"] == route.status
    assert line["path"] == run["results"][route.name]["response"].request.path_url.split("?")[0]
    assert line["user"] == route.who
    assert line["xray_trace_id"] == xray_id(trace_id)
    assert isinstance(line["duration_ms"], float)


def test_log_streams_name_host_and_process(run, receivers):
    logs = receivers["moto"].client("logs")
    streams = wait_until(lambda: logs.describe_log_streams(logGroupName=LOG_GROUP)["logStreams"])
    names = {s["logStreamName"] for s in streams}
    assert names and all(name.rsplit("-", 1)[1].isdigit() for name in names), names


def test_rollbar_test_route_reports_a_warning(run, receivers):
    trace_id = run["results"]["rollbar test"]["trace_id"]
    items = wait_until(lambda: [i for i in receivers["rollbar"].items()
                                if i["data"].get("custom", {}).get("trace_id") == trace_id])
    [item] = items
    assert item["data"]["level"] == "warning"
    assert item["data"]["body"]["message"]["body"] == "Hello World!"
    assert item["data"]["environment"] == "test"
