"""On the wire: SERVER, `requests` CLIENT and database spans carry the stable semantic-convention
names (OTEL_SEMCONV_STABILITY_OPT_IN, default http,database) and not the legacy ones, on both
databases; the resource carries service.version, deployment.environment.name, a service.instance.id
per gunicorn worker and the operator's OTEL_RESOURCE_ATTRIBUTES; the X-Ray segment mirrors the
version and environment, and Rollbar's code_version and environment are the same ones."""
import json
import re
import subprocess
import sys
import textwrap
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy.engine import make_url

from testkit.gunicorn import BACKEND, backend_env
from testkit.receivers import wait_until, xray_id
from testkit.signals import signals_env

LEGACY_HTTP = {"http.method", "http.status_code", "http.target", "http.url", "http.scheme", "http.host",
               "http.server_name", "http.flavor", "http.user_agent", "net.host.name", "net.host.port",
               "net.peer.ip", "net.peer.name", "net.peer.port"}
LEGACY_DB = {"db.system", "db.statement", "db.name", "db.user", "db.operation", "net.peer.name", "net.peer.port"}
STABLE_HTTP_SERVER = {"http.request.method", "http.response.status_code", "http.route", "url.path",
                      "url.scheme", "server.address", "server.port"}
STABLE_DB = {"db.system.name", "db.query.text", "db.namespace", "db.operation.name"}
VERSION = "semconv-build-7"
OPERATOR_ATTRIBUTES = "team=cruddur-core,cloud.region=test-region-1,deployment.environment.name=operator-says"


def _trace_id(response):
    return response.headers["traceresponse"].split("-")[1]


@pytest.fixture(scope="module")
def server(module_database_url, receivers, start_server):
    env = signals_env(module_database_url, receivers, CRUDDUR_VERSION=VERSION, CRUDDUR_ENV="production",
                      ROLLBAR_ENVIRONMENT="",  # unset: Rollbar takes CRUDDUR_ENV
                      OTEL_RESOURCE_ATTRIBUTES=OPERATOR_ATTRIBUTES,
                      # process.pid on the resource: which worker sent a span.
                      OTEL_EXPERIMENTAL_RESOURCE_DETECTORS="otel,process")
    return start_server(env, workers=2)


@pytest.fixture(scope="module")
def traced(server, receivers):
    responses = {
        "home": requests.get(server.url + "/api/activities/home?token=abc&page=2", timeout=10),
        "user": requests.get(server.url + "/api/activities/@andrewbrown", timeout=10),
        "missing": requests.get(server.url + "/api/no-such-route", timeout=10),
    }
    ids = {name: _trace_id(r) for name, r in responses.items()}
    for trace_id in ids.values():
        assert wait_until(lambda t=trace_id: any(s["kind"] == "SERVER" for s in receivers["otlp"].trace(t)),
                          timeout=20)
    return {"responses": responses, "ids": ids}


def _server_span(receivers, trace_id):
    [span] = [s for s in receivers["otlp"].trace(trace_id) if s["kind"] == "SERVER"]
    return span


def test_server_spans_carry_the_stable_http_names(server, traced, receivers):
    port = int(server.url.rsplit(":", 1)[1])
    home = _server_span(receivers, traced["ids"]["home"])
    assert traced["responses"]["home"].status_code == 200
    assert {k: home["attributes"].get(k) for k in STABLE_HTTP_SERVER | {"url.query"}} == {
        "http.request.method": "GET", "http.response.status_code": 200, "http.route": "/api/activities/home",
        "url.path": "/api/activities/home", "url.scheme": "http",
        # opentelemetry-instrumentation-wsgi 0.66b1 copies the Host header, port included, as it is.
        "server.address": f"127.0.0.1:{port}", "server.port": port, "url.query": "token=REDACTED&page=2"}
    user = _server_span(receivers, traced["ids"]["user"])
    assert user["attributes"]["http.route"] == "/api/activities/@<handle>"
    assert user["attributes"]["url.path"] == "/api/activities/@andrewbrown"
    assert user["attributes"]["http.response.status_code"] == 200
    missing = _server_span(receivers, traced["ids"]["missing"])
    assert missing["attributes"]["http.response.status_code"] == 404
    assert missing["attributes"]["http.request.method"] == "GET"
    for span in (home, user, missing):
        assert not LEGACY_HTTP & set(span["attributes"]), span["attributes"]


def test_database_spans_carry_the_stable_db_names(module_database_url, traced, receivers):
    url = make_url(module_database_url)
    spans = [s for s in receivers["otlp"].trace(traced["ids"]["home"]) if s["scope"].endswith("sqlalchemy")]
    assert spans
    system = "postgresql" if url.get_backend_name() == "postgresql" else "sqlite"
    for span in spans:
        attributes = span["attributes"]
        assert set(attributes) >= STABLE_DB, attributes
        assert attributes["db.system.name"] == system
        assert attributes["db.namespace"] == url.database
        assert not LEGACY_DB & set(attributes), attributes
        assert span["kind"] == "CLIENT"
        if system == "postgresql":
            assert (attributes["server.address"], attributes["server.port"]) == (url.host, url.port)
        else:
            assert "server.address" not in attributes
    texts = [s["attributes"]["db.query.text"] for s in spans]
    assert any(re.match(r"\s*SELECT\b", text) and "activities" in text for text in texts), texts


def test_the_resource_names_version_environment_instance_and_the_operators_attributes(traced, receivers):
    resource = _server_span(receivers, traced["ids"]["home"])["resource"]
    assert resource["service.name"] == "backend-flask"
    assert resource["service.version"] == VERSION
    assert resource["deployment.environment.name"] == "production"  # CRUDDUR_ENV wins over the operator's
    assert str(uuid.UUID(resource["service.instance.id"], version=4)) == resource["service.instance.id"]
    assert resource["team"] == "cruddur-core" and resource["cloud.region"] == "test-region-1"


def test_a_replaced_operator_attribute_is_named_at_start_up(server, traced):
    lines = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
    warnings = [line for line in lines if line.get("logger") == "cruddur.telemetry.resource"]
    assert warnings and all(w["replaced"] == {"deployment.environment.name": "operator-says"} and
                            w["kept"] == {"deployment.environment.name": "production"} for w in warnings)


def test_each_gunicorn_worker_has_its_own_stable_instance_id(server, traced, receivers):
    def by_worker():
        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(lambda _: requests.get(server.url + "/api/activities/home", timeout=10),
                                      range(24)))
        ids = {_trace_id(r) for r in responses}
        wait_until(lambda: ids <= {s["trace_id"] for s in receivers["otlp"].spans() if s["kind"] == "SERVER"})
        seen = {}
        for span in (s for s in receivers["otlp"].spans() if s["trace_id"] in ids):  # this server's
            seen.setdefault(span["resource"]["process.pid"], set()).add(span["resource"]["service.instance.id"])
        return seen if len(seen) >= 2 else None

    seen = wait_until(by_worker, timeout=60, interval=0)
    assert seen and len(seen) == 2, seen
    assert all(len(ids) == 1 for ids in seen.values()), seen  # stable within a worker
    [first], [second] = seen.values()
    assert first != second


def test_the_xray_segment_and_rollbar_name_the_same_version_and_environment(server, traced, receivers):
    trace_id = traced["ids"]["home"]
    segments = wait_until(lambda: receivers["xray"].segments(xray_id(trace_id)))
    [segment] = segments
    assert segment["service"]["version"] == VERSION
    assert segment["service"]["runtime"] == "CPython"
    assert segment["annotations"]["environment"] == "production"
    response = requests.get(server.url + "/rollbar/test", timeout=10)
    assert response.status_code == 200
    items = wait_until(lambda: [i for i in receivers["rollbar"].items()
                                if i["data"].get("custom", {}).get("trace_id") == _trace_id(response)])
    assert items and items[0]["data"]["code_version"] == VERSION
    assert items[0]["data"]["environment"] == "production"


# Three apps in one process, after the instrumentations already read an empty environment: each app's
# Flask and SQLAlchemy spans follow its own setting; the `requests` instrumentation (process-wide)
# follows the first app's.
SCRIPT = textwrap.dedent('''
    import json, sys, threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import requests
    from opentelemetry.instrumentation._semconv import _OpenTelemetrySemanticConventionStability
    from cruddur import create_app, telemetry

    _OpenTelemetrySemanticConventionStability._initialize()  # read before Cruddur: no opt-in at all

    class Ok(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(204)
            self.end_headers()
        def log_message(self, *args):
            pass

    peer = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=peer.serve_forever, daemon=True).start()
    settings = json.loads(sys.argv[1])
    apps = [create_app(overrides) for overrides in settings]
    results = []
    for index, app in enumerate(apps):
        response = app.test_client().get("/api/activities/home")
        results.append({"app": index, "status": response.status_code,
                        "trace_id": response.headers["traceresponse"].split("-")[1]})
    with apps[0].app_context():
        tracer = telemetry.current().otel.tracer
        with tracer.start_as_current_span("outgoing") as span:
            requests.get(f"http://127.0.0.1:{peer.server_port}/ping?x=1", timeout=5)
            results.append({"app": "client", "trace_id": format(span.get_span_context().trace_id, "032x"),
                            "port": peer.server_port})
    telemetry.shutdown()
    print("RESULTS " + json.dumps(results), flush=True)
''')


@pytest.fixture(scope="module")
def three_apps(seeded_database_url, receivers):
    database_url = seeded_database_url("sqlite")
    env = backend_env(database_url, OTEL_BSP_SCHEDULE_DELAY="100")
    common = {"SQLALCHEMY_DATABASE_URI": database_url, "OTEL_EXPORTER_OTLP_ENDPOINT": receivers["otlp"].url}
    settings = [common, {**common, "OTEL_SEMCONV_STABILITY_OPT_IN": "http/dup,database/dup"},
                {**common, "OTEL_SEMCONV_STABILITY_OPT_IN": "none"}]
    done = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(settings)], cwd=BACKEND, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    [results] = [json.loads(line[len("RESULTS "):]) for line in done.stdout.splitlines()
                 if line.startswith("RESULTS ")]
    for result in results:
        assert wait_until(lambda r=result: receivers["otlp"].trace(r["trace_id"]), timeout=20)
    return results


def _spans_of(receivers, result):
    spans = receivers["otlp"].trace(result["trace_id"])
    [server] = [s for s in spans if s["kind"] == "SERVER"]
    db = [s for s in spans if s["scope"].endswith("sqlalchemy")]
    assert db
    return server["attributes"], [s["attributes"] for s in db]


def test_each_app_in_one_process_names_attributes_as_it_is_configured(three_apps, receivers):
    stable, dup, legacy = (r for r in three_apps if r["app"] in (0, 1, 2))
    assert [r["status"] for r in (stable, dup, legacy)] == [200, 200, 200]

    server, db = _spans_of(receivers, stable)
    assert server["http.request.method"] == "GET" and server["http.response.status_code"] == 200
    assert not LEGACY_HTTP & set(server)
    assert all(d["db.system.name"] == "sqlite" and not LEGACY_DB & set(d) for d in db)

    server, db = _spans_of(receivers, dup)  # the migration period: both names
    assert (server["http.request.method"], server["http.method"]) == ("GET", "GET")
    assert (server["http.response.status_code"], server["http.status_code"]) == (200, 200)
    assert all((d["db.system.name"], d["db.system"]) == ("sqlite", "sqlite")
               and d["db.query.text"] == d["db.statement"] for d in db)

    server, db = _spans_of(receivers, legacy)
    assert (server["http.method"], server["http.status_code"]) == ("GET", 200)
    assert not {"http.request.method", "http.response.status_code", "url.path"} & set(server)
    assert all(d["db.system"] == "sqlite" and "db.system.name" not in d and "db.query.text" not in d for d in db)


def test_requests_client_spans_carry_the_stable_http_names(three_apps, receivers):
    [client] = [r for r in three_apps if r["app"] == "client"]
    [span] = [s for s in receivers["otlp"].trace(client["trace_id"]) if s["kind"] == "CLIENT"]
    assert span["scope"] == "opentelemetry.instrumentation.requests"
    attributes = span["attributes"]
    assert {k: attributes.get(k) for k in ("http.request.method", "http.response.status_code", "url.full",
                                           "server.address", "server.port")} == {
        "http.request.method": "GET", "http.response.status_code": 204,
        "url.full": f"http://127.0.0.1:{client['port']}/ping?x=1", "server.address": "127.0.0.1",
        "server.port": client["port"]}
    assert not LEGACY_HTTP & set(attributes), attributes
