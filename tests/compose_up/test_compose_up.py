"""`docker compose up --build` run for real: the project's images built from its Dockerfiles, the
stack started from the real docker-compose.yml, a browser through the published port, and every
signal read back where a person with no account looks: the real collector into the real Jaeger
(and Honeycomb's stand-in), X-Ray and CloudWatch Logs in the local AWS, Rollbar items in the local
sink, and `bin/trace` printing all four. The tests run in order; the last stops the stack."""
import gzip
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from testkit.auth import DEMO_PASSWORD, bearer, sign_in
from testkit.frontend import CHROMIUM, CHROMIUM_ARGS
from testkit.receivers import otlp_spans, wait_until, xray_id
from tests.compose_up import signals
from tests.compose_up.stack import HONEYCOMB_TEST_KEY
from tests.e2e.actions import post_crud, unique

pytestmark = pytest.mark.timeout(2400)  # a cold run builds every image

REPO = Path(__file__).resolve().parents[2]
SERVICES = {"migrate", "purger", "backend-flask", "frontend-react-js", "db", "redis", "xray-daemon", "otel-collector",
            "jaeger", "moto", "rollbar-sink"}
RULE = json.loads((REPO / "aws" / "json" / "xray.json").read_text())


def test_every_service_is_healthy_by_its_own_healthcheck(stack):
    containers = stack.containers()
    assert {stack.service(c) for c in containers} == SERVICES | (set() if stack.upstream else {"honeycomb"})
    for container in containers:
        state, name = container["State"], container["Name"]
        if stack.service(container) == "migrate":
            assert state["Status"] == "exited" and state["ExitCode"] == 0, name
            continue
        assert state["Health"]["Status"] == "healthy", name
        assert state["Health"]["Log"][-1]["ExitCode"] == 0, name  # the check ran inside the container
    assert sum(stack.service(c) == "backend-flask" for c in containers) == 2
    print(f"cold start (build and up): {stack.cold_start_seconds:.0f}s")


def test_migrations_ran_once_and_both_replicas_serve(stack):
    assert "Running upgrade" in stack.logs("migrate")
    assert "Running upgrade" not in stack.logs("backend-flask")
    with requests.Session() as session:
        for _ in range(30):
            assert session.get(f"{stack.url}/api/activities/home", timeout=10).status_code == 200
    replicas = [c for c in stack.containers() if stack.service(c) == "backend-flask"]
    served = [stack.engine.docker("logs", c["Id"]).stdout.count('"path": "/api/activities/home"') for c in replicas]
    assert all(count > 0 for count in served), served


def test_the_purger_runs_beside_the_replicas(stack):
    def finished():
        lines = [json.loads(line) for line in stack.logs("purger").splitlines() if line.startswith("{")]
        return [line for line in lines if line.get("message") == "purge finished"]

    assert wait_until(finished, timeout=60)
    run = finished()[0]
    # The first run, right after the seed, deletes its one crud that expired a day ago.
    assert run["trace_id"] and run["cruds"] >= 1
    assert "purge-expired: deleted" in stack.logs("purger")


def test_a_person_signs_in_and_posts_a_crud_through_the_published_port(stack, playwright):
    errors = []
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        page = browser.new_context(base_url=stack.url).new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        api_requests = []  # what the page asked of the API, as Chromium saw it
        page.on("requestfinished", lambda r: "/api/" in r.url and api_requests.append(_finished(r)))
        page.on("requestfailed", lambda r: "/api/" in r.url and api_requests.append(
            f"{time.strftime('%H:%M:%S')} {r.method} {r.url} failed: {r.failure}"))
        page.goto("/signin")
        page.get_by_label("Handle or email").fill("andrewbrown")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        navigation = page.get_by_role("navigation", name="Main")
        expect(navigation.get_by_text("@andrewbrown")).to_be_visible(timeout=20_000)
        message = unique("Hello from compose")
        try:
            with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/api/activities")) as sent:
                post_crud(page, message)  # returns once the API answered 201
            feed = page.get_by_role("region", name="Home feed")
            expect(feed.get_by_text(message)).to_be_visible(timeout=20_000)
            # The browser started the POST's trace (its traceparent); the backend joined it. The
            # page stays until the browser's span of the POST is in Jaeger: its fetch span ends up
            # to 300 ms after the response, then waits in a 5 s batch, and a page closed (not
            # unloaded) in between takes that batch with it.
            stack.browser_trace_id = sent.value.all_headers()["traceparent"].split("-")[1]
            if not stack.upstream:
                assert wait_until(lambda: "frontend-react-js" in signals.jaeger_services(stack,
                                                                                           stack.browser_trace_id),
                                  timeout=60), "the browser's span reaches Jaeger through the collector"
            page.reload()
            expect(feed.get_by_text(message)).to_be_visible(timeout=20_000)
        except AssertionError as failure:
            # What the browser and the replicas saw says which step lost the crud.
            raise AssertionError(f"{failure}\nthe page's API requests:\n" + "\n".join(api_requests)
                                 + "\nthe replicas' /api/activities access lines:\n"
                                 + "\n".join(_activity_access_lines(stack))) from failure
    finally:
        browser.close()
    assert errors == []
    stack.posted_in_browser = message


def _finished(request):
    """One API request as Chromium saw it: when, what, the status, and for a feed the first cruds."""
    response = request.response()
    line = f"{time.strftime('%H:%M:%S')} {request.method} {request.url} -> {response.status if response else None}"
    if response and request.method == "GET" and "/api/activities/home" in request.url:
        try:
            line += f" first: {[item['message'] for item in response.json()['activities'][:2]]}"
        except Exception as error:  # a diagnostic line never fails the test itself
            line += f" ({error!r})"
    return line


def _activity_access_lines(stack):
    """Both replicas' /api/activities access lines, merged in time order, the last 40."""
    lines = stack.logs("backend-flask").splitlines()
    access = [line for line in lines if '"cruddur.access"' in line and "/api/activities" in line]
    return sorted(access, key=lambda line: json.loads(line).get("time", ""))[-40:]


def test_the_browsers_request_is_in_jaeger_xray_and_cloudwatch(stack):
    """One request made by Chromium signed in: its trace in Jaeger, its segment in the local AWS's
    X-Ray API, its access line in the local AWS's CloudWatch Logs, and in Honeycomb's stand-in."""
    trace_id = stack.browser_trace_id
    if stack.upstream:  # the real daemon uploads to the local AWS too; Honeycomb has no stand-in
        assert wait_until(lambda: "create_activity" in signals.jaeger_trace(stack, trace_id), timeout=60)
        return
    assert wait_until(lambda: signals.jaeger_trace(stack, trace_id).get("create_activity") == "backend-flask",
                      timeout=60)
    spans = signals.jaeger_trace(stack, trace_id)
    assert set(spans.values()) == {"frontend-react-js", "backend-flask"}, spans
    assert "POST /api/activities" in spans, spans  # the backend's SERVER span

    # Segments are UDP datagrams that Cruddur drops rather than wait for (a busy daemon, a full
    # buffer on a loaded host): the browser's one request may lose its segment, which is not a
    # failure; a backend that sends none is. A lost one is looked for again on a few searches.
    def segment(trace):
        return wait_until(lambda: [d for d in signals.xray_segments(stack, trace) if d["name"] == "backend-flask"],
                          timeout=30)

    segment_trace = trace_id
    for _ in range(3):
        found = segment(segment_trace)
        if found:
            break
        with requests.get(f"{stack.url}/api/activities/search?term=compose", timeout=10) as again:
            segment_trace = again.headers["traceresponse"].split("-")[1]
    assert found, "no X-Ray segment from backend-flask reached the local AWS's X-Ray API"
    subsegments = {sub["name"] for document in found for sub in document.get("subsegments", [])}
    assert subsegments & {"create_activity", "search_activities"}, found
    stack.xray_trace_id = segment_trace

    def posted():
        return [line for line in signals.log_lines(stack, trace_id) if line.get("method") == "POST"]

    assert wait_until(posted, timeout=30)
    line = posted()[0]
    assert (line["path"], line["status"], line["user"]) == ("/api/activities", 201, "andrewbrown")
    assert line["xray_trace_id"] == xray_id(trace_id) and line["client"] not in (None, "")

    # The collector sends the same spans to Honeycomb's endpoint with the key in its header
    # (OTLP/HTTP protobuf, gzipped by the exporter's default).
    def at_honeycomb():
        return [(headers, span) for headers, body in stack.captured_requests("honeycomb")
                for span in otlp_spans([gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body])
                if span["trace_id"] == trace_id]

    assert wait_until(lambda: {s["resource"]["service.name"] for _, s in at_honeycomb()}
                      == {"frontend-react-js", "backend-flask"}, timeout=30), at_honeycomb()
    assert {headers.get("x-honeycomb-team") for headers, _ in at_honeycomb()} == {HONEYCOMB_TEST_KEY}
    # The browser's resource names the stack's environment, as the backend's does.
    assert {s["resource"].get("deployment.environment.name") for _, s in at_honeycomb()} == {"development"}


def test_a_fault_leaves_a_rollbar_item_in_the_local_sink_and_bin_trace_prints_all_four(stack):
    if stack.upstream:
        pytest.skip("the upstream mode reads Jaeger only")
    headers = bearer(sign_in("andrewbrown", url=stack.url))
    with requests.get(f"{stack.url}/api/activities/notifications", headers=headers, timeout=10) as answer:
        assert answer.status_code == 500  # CRUDDUR_FAULTS=notifications_activities:error (stack.py)
        trace_id = answer.headers["traceresponse"].split("-")[1]
    items = wait_until(lambda: [i for i in signals.rollbar_items(stack) if i["data"].get("custom", {}).get("trace_id")
                                == trace_id], timeout=30)
    assert items, signals.rollbar_items(stack)[-3:]
    data = items[0]["data"]
    assert data["person"]["username"] == "andrewbrown" and data["environment"] == "development"
    assert data["request"]["url"].endswith("/api/activities/notifications")
    assert headers["Authorization"].split()[1] not in json.dumps(items[0])  # the bearer token is scrubbed

    # bin/trace, as a person runs it against the published ports, prints the browser's request's
    # trace, segment and log lines, and the fault's Rollbar item.
    env = {**os.environ, "CRUDDUR_JAEGER_URL": f"http://127.0.0.1:{stack.ports['jaeger']}",
           "AWS_ENDPOINT_URL": f"http://127.0.0.1:{stack.ports['moto']}",
           "CRUDDUR_ROLLBAR_SINK_URL": f"http://127.0.0.1:{stack.ports['rollbar']}"}
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ROLLBAR_ACCESS_TOKEN", "HONEYCOMB_API_KEY"):
        env.pop(name, None)

    def trace(trace):
        done = subprocess.run([str(REPO / "bin" / "trace"), trace, "--json"], env=env, capture_output=True,
                              text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    faulty = trace(trace_id)
    assert [item["trace_id"] for item in faulty["rollbar"]] == [trace_id], faulty
    browser = trace(stack.browser_trace_id)
    assert browser["jaeger"] and browser["logs"], browser
    assert browser["xray"] or stack.xray_trace_id != stack.browser_trace_id, browser
    if stack.xray_trace_id != stack.browser_trace_id:
        assert trace(stack.xray_trace_id)["xray"]


def test_the_xray_rules_in_effect_are_the_committed_ones(stack):
    rule = RULE["SamplingRule"]
    logs = stack.logs("backend-flask")
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    described = {line["signals"]["xray"] for line in lines if "signals" in line}
    assert described == {f"udp xray-daemon:2000 (sampling rule {rule['RuleName']}: rate {rule['FixedRate']}, "
                         f"reservoir {rule['ReservoirSize']}/s)"}, logs[:3000]


def test_stop_ends_every_container_within_its_grace_period_and_data_survive_down_and_up(stack):
    """...and up again with CRUDDUR_XRAY_MODE=otel: the backend loads no X-Ray SDK, and the collector's
    awsxray exporter (xray-otel.yml, xray-endpoint.yml) puts the request's segments in the local AWS."""
    headers = bearer(sign_in("bayko", url=stack.url))
    kept = unique("Survives down and up")
    with requests.Session() as session:
        posted = session.post(f"{stack.url}/api/activities", json={"message": kept, "ttl": "1-day"},
                              headers=headers, timeout=10)
    assert posted.status_code == 201
    began = time.monotonic()
    stack.compose("stop")
    stopped_in = time.monotonic() - began
    for container in stack.containers():
        state = container["State"]
        assert state["Status"] == "exited", container["Name"]
        # 137 is SIGKILL: compose waited out the grace period and killed the container.
        assert state["ExitCode"] != 137 and not state["OOMKilled"], (container["Name"], state["ExitCode"])
    stack.down()  # keeps the named volume
    stack.env["CRUDDUR_XRAY_MODE"] = "otel"
    stack.compose("up", "--detach", "--scale", "backend-flask=2")
    stack.wait_healthy()
    with requests.Session() as session:
        feed = session.get(f"{stack.url}/api/activities/@bayko", timeout=10)
        home = session.get(f"{stack.url}/api/activities/home", params={"limit": 100}, timeout=10).json()
    assert kept in [a["message"] for a in feed.json()["activities"]]
    assert stack.posted_in_browser in [a["message"] for a in home]
    assert stack.logs("migrate").count("seed skipped") >= 1  # the second migrate found the data
    print(f"docker compose stop took {stopped_in:.1f}s")

    started = [json.loads(line)["signals"] for line in stack.logs("backend-flask").splitlines()
               if line.startswith("{") and '"signals"' in line]
    assert started and started[-1]["xray"].startswith("otel ("), started[-1:]
    trace_id = feed.headers["traceresponse"].split("-")[1]
    assert feed.headers["X-Amzn-Trace-Id"] == f"Root={xray_id(trace_id)}"

    def made_by_the_collector():
        documents = signals.xray_segments(stack, trace_id)
        names = {d["name"] for d in documents}
        return documents if {"backend-flask", "user_activities"} <= names else None

    documents = wait_until(made_by_the_collector, timeout=60, interval=0.5)
    assert documents, stack.logs("otel-collector")[-3000:]
    [segment] = [d for d in documents if d["name"] == "backend-flask"]
    assert segment["aws"]["xray"]["sdk"] == "opentelemetry for python"  # the exporter's, not the X-Ray SDK's
    [service] = [d for d in documents if d["name"] == "user_activities"]
    assert service["parent_id"] == segment["id"] and service["annotations"]["app.user_handle"] == "bayko"
