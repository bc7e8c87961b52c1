"""Two apps in one process, each with its own telemetry settings and faults, behave as each is
configured: spans reach only the app's own OTLP receiver, segments come only from the app with
X-Ray on, each app's lines reach only its own log group, and each app's faults are its own."""
import json
import subprocess
import sys
import textwrap

import pytest

from testkit.gunicorn import BACKEND, backend_env, flask_command
from testkit.receivers import OTLPReceiver, wait_until

GROUP_1, GROUP_2 = "cruddur-app-1", "cruddur-app-2"

SCRIPT = textwrap.dedent('''
    import json, sys
    from cruddur import create_app, telemetry

    settings = json.loads(sys.argv[1])
    apps = [create_app({"PROPAGATE_EXCEPTIONS": False, **overrides}) for overrides in settings]
    results = []
    for index, path in ((0, "/api/activities/home"), (0, "/api/activities/@andrewbrown"),
                        (1, "/api/activities/home"), (1, "/api/activities/@andrewbrown")):
        response = apps[index].test_client().get(path)
        results.append({"app": index + 1, "path": path, "status": response.status_code,
                        "trace_id": response.headers["traceresponse"].split("-")[1]})
    telemetry.shutdown()
    print("RESULTS " + json.dumps(results), flush=True)
''')


@pytest.fixture(scope="module")
def receiver_b():
    receiver = OTLPReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def two_apps(new_database_url, receivers, receiver_b):
    database_url = new_database_url("sqlite")
    env = backend_env(database_url, AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="testing",
                      AWS_SECRET_ACCESS_KEY="testing", OTEL_BSP_SCHEDULE_DELAY="200")
    flask_command(env, "db", "upgrade")
    flask_command(env, "seed")
    common = {"SQLALCHEMY_DATABASE_URI": database_url, "AWS_ENDPOINT_URL": receivers["moto"].url}
    settings = [
        {**common, "OTEL_EXPORTER_OTLP_ENDPOINT": receivers["otlp"].url,
         "AWS_XRAY_DAEMON_ADDRESS": receivers["xray"].address, "AWS_XRAY_URL": "*",
         "CLOUDWATCH_LOG_GROUP": GROUP_1, "FAULTS": "home_activities:error"},
        {**common, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": receiver_b.url + "/v1/traces",
         "AWS_XRAY_SDK_ENABLED": "false", "CLOUDWATCH_LOG_GROUP": GROUP_2, "FAULTS": "user_activities:error"},
    ]
    done = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(settings)], cwd=BACKEND, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    [results] = [json.loads(line[len("RESULTS "):]) for line in done.stdout.splitlines()
                 if line.startswith("RESULTS ")]
    return {"results": results, "lines": lines, "receiver_a": receivers["otlp"], "receiver_b": receiver_b,
            "xray": receivers["xray"], "moto": receivers["moto"]}


def _trace_ids(two_apps, app):
    return {r["trace_id"] for r in two_apps["results"] if r["app"] == app}


def test_each_app_has_its_own_faults(two_apps):
    assert [(r["app"], r["path"], r["status"]) for r in two_apps["results"]] == [
        (1, "/api/activities/home", 500), (1, "/api/activities/@andrewbrown", 200),
        (2, "/api/activities/home", 200), (2, "/api/activities/@andrewbrown", 500)]


def test_each_app_says_where_its_own_signals_go(two_apps):
    signals = [line["signals"] for line in two_apps["lines"] if line.get("message", "").startswith("signals:")]
    assert [s["otel"] for s in signals] == [f"otlp {two_apps['receiver_a'].url}/v1/traces",
                                            f"otlp {two_apps['receiver_b'].url}/v1/traces"]
    assert signals[0]["xray"].startswith(f"udp {two_apps['xray'].address} (sampling rule")
    assert signals[1]["xray"] == "off"
    assert [s["logs"] for s in signals] == [f"stdout + cloudwatch {GROUP_1}", f"stdout + cloudwatch {GROUP_2}"]


def test_spans_reach_only_their_own_app_s_receiver(two_apps):
    ids_1, ids_2 = _trace_ids(two_apps, 1), _trace_ids(two_apps, 2)
    at_a = wait_until(lambda: ids_1 <= {s["trace_id"] for s in two_apps["receiver_a"].spans()}, timeout=15)
    at_b = wait_until(lambda: ids_2 <= {s["trace_id"] for s in two_apps["receiver_b"].spans()}, timeout=15)
    assert at_a and at_b
    assert not {s["trace_id"] for s in two_apps["receiver_a"].spans()} & ids_2
    assert not {s["trace_id"] for s in two_apps["receiver_b"].spans()} & ids_1
    for receiver, ids in ((two_apps["receiver_a"], ids_1), (two_apps["receiver_b"], ids_2)):
        names = {s["name"] for s in receiver.spans() if s["trace_id"] in ids}
        assert {"home_activities", "user_activities"} <= names  # service spans under each app's provider
        assert any(s["kind"] == "CLIENT" and s["scope"] == "opentelemetry.instrumentation.sqlalchemy"
                   for s in receiver.spans() if s["trace_id"] in ids)  # each app's engine, its own provider
    [failed] = [s for s in two_apps["receiver_a"].spans() if s["name"] == "home_activities"]
    assert failed["status"] == 2  # STATUS_CODE_ERROR


def test_only_the_app_with_x_ray_on_sends_segments_with_its_own_subsegments(two_apps):
    xray_ids = {f"1-{t[:8]}-{t[8:]}" for t in _trace_ids(two_apps, 1)}
    assert wait_until(lambda: xray_ids <= {d["trace_id"] for d in two_apps["xray"].segments()}, timeout=10)
    other = {f"1-{t[:8]}-{t[8:]}" for t in _trace_ids(two_apps, 2)}
    assert not {d["trace_id"] for d in two_apps["xray"].documents()} & other
    faulted = [sub for d in two_apps["xray"].segments() if d["trace_id"] in xray_ids
               for sub in d.get("subsegments", []) if sub["name"] == "home_activities"]
    assert faulted and faulted[0].get("fault") is True


def test_each_app_s_lines_reach_only_its_own_log_group(two_apps):
    def access_trace_ids(group):
        lines = [json.loads(e["message"]) for e in two_apps["moto"].log_events(group)]
        return {line.get("trace_id") for line in lines if line.get("logger") == "cruddur.access"}

    assert access_trace_ids(GROUP_1) == _trace_ids(two_apps, 1)
    assert access_trace_ids(GROUP_2) == _trace_ids(two_apps, 2)


def test_one_bounded_flush_covers_both_apps(two_apps):
    flushed = [line for line in two_apps["lines"] if line.get("message") == "telemetry flushed"]
    assert len(flushed) == 1 and flushed[0]["unfinished"] == []
