"""Head sampling decided once at the edge: a dropped request keeps its trace id on every signal
that stays on, a sampled caller is honoured within the budget (and no further), the ratio is the
configured one, and telemetry's own HTTP calls are never traced."""
import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testkit.receivers import wait_until
from testkit.signals import LOG_GROUP, signals_env

HOME = "/api/activities/home"


def xray_root(trace_id):
    return f"1-{trace_id[:8]}-{trace_id[8:]}"


def _logged(receivers, trace_ids):
    lines = [json.loads(e["message"]) for e in receivers["moto"].log_events(LOG_GROUP)]
    return {line.get("trace_id"): line for line in lines if line.get("logger") == "cruddur.access"
            and line.get("trace_id") in trace_ids}


def test_a_dropped_request_carries_one_trace_id_in_its_headers_and_log_line(new_database_url, receivers,
                                                                            start_server):
    env = signals_env(new_database_url("sqlite"), receivers, OTEL_TRACES_SAMPLER="parentbased_traceidratio",
                      OTEL_TRACES_SAMPLER_ARG="0")
    server = start_server(env)
    responses = [requests.get(server.url + HOME, timeout=10) for _ in range(3)]
    trace_ids = []
    for response in responses:
        assert response.status_code == 200
        version, trace_id, span_id, flags = response.headers["traceresponse"].split("-")
        assert (version, flags, len(trace_id), len(span_id)) == ("00", "00", 32, 16)
        assert response.headers["X-Amzn-Trace-Id"] == f"Root={xray_root(trace_id)}"
        assert int(trace_id[:8], 16) > 1_600_000_000  # X-Ray's ids start with the epoch second
        trace_ids.append(trace_id)
    assert len(set(trace_ids)) == 3
    logged = wait_until(lambda: len(_logged(receivers, set(trace_ids))) == 3 and _logged(receivers, set(trace_ids)),
                        timeout=15)
    assert all(line["xray_trace_id"] == xray_root(t) for t, line in logged.items())
    server.stop()
    assert not {s["trace_id"] for s in receivers["otlp"].spans()} & set(trace_ids)
    assert not {d["trace_id"] for d in receivers["xray"].segments()} & {xray_root(t) for t in trace_ids}


def test_a_caller_that_sampled_is_honoured_through_either_header(new_database_url, receivers, start_server):
    env = signals_env(new_database_url("sqlite"), receivers, OTEL_TRACES_SAMPLER="parentbased_traceidratio",
                      OTEL_TRACES_SAMPLER_ARG="0")
    server = start_server(env)
    w3c, aws = "5f4dcc3b5aa765d61d8327deb882cf99", "6a1b2c3d4e5f60718293a4b5c6d7e8f9"
    by_w3c = requests.get(server.url + HOME, timeout=10, headers={"traceparent": f"00-{w3c}-00f067aa0ba902b7-01"})
    by_aws = requests.get(server.url + HOME, timeout=10,
                          headers={"X-Amzn-Trace-Id": f"Root={xray_root(aws)};Parent=53995c3f42cd8ad8;Sampled=1"})
    for response, trace_id in ((by_w3c, w3c), (by_aws, aws)):
        assert response.headers["traceresponse"].split("-")[1:4:2] == [trace_id, "01"]
        assert wait_until(lambda t=trace_id: any(s["kind"] == "SERVER" for s in receivers["otlp"].trace(t)),
                          timeout=15)
        assert wait_until(lambda t=trace_id: receivers["xray"].segments(xray_root(t)), timeout=15)
    server.stop()


def test_the_ratio_sampled_is_the_configured_one(new_database_url, receivers, start_server):
    """The edge and the tracer decide on the same trace id: asked about two different ids, a 50%
    ratio sampler would keep a quarter of the requests."""
    env = signals_env(new_database_url("sqlite"), receivers, OTEL_TRACES_SAMPLER="traceidratio",
                      OTEL_TRACES_SAMPLER_ARG="0.5", ROLLBAR_ACCESS_TOKEN="", CLOUDWATCH_LOG_GROUP="")
    server = start_server(env)
    session = requests.Session()
    flags = {}
    for _ in range(400):
        response = session.get(server.url + "/api/health-check", timeout=10)
        _, trace_id, _, flag = response.headers["traceresponse"].split("-")
        flags[trace_id] = flag
    sampled = {t for t, f in flags.items() if f == "01"}
    assert 150 <= len(sampled) <= 250  # binomial(400, 0.5): 200 ± 10 per standard deviation
    # A ratio sampler keeps a trace when its id's low 64 bits fall under ratio × 2^64.
    assert all((int(t, 16) & (2**64 - 1)) < 2**63 for t in sampled)
    assert all((int(t, 16) & (2**64 - 1)) >= 2**63 for t, f in flags.items() if f == "00")
    assert wait_until(lambda: sampled <= {s["trace_id"] for s in receivers["otlp"].spans() if s["kind"] == "SERVER"},
                      timeout=20)
    server.stop()


def test_xray_alone_drops_by_its_rules_and_keeps_the_id(new_database_url, receivers, start_server):
    """OTEL off, X-Ray on: a caller's Sampled=0 is a dropped request, still answered with its root."""
    env = signals_env(new_database_url("sqlite"), receivers, OTEL_SDK_DISABLED="true")
    server = start_server(env)
    root = xray_root("6a1b2c3d4e5f60718293a4b5c6d7e8aa")
    dropped = requests.get(server.url + HOME, timeout=10, headers={"X-Amzn-Trace-Id": f"Root={root};Sampled=0"})
    kept = requests.get(server.url + HOME, timeout=10)  # within the rule's reservoir
    junk = requests.get(server.url + HOME, timeout=10, headers={"X-Amzn-Trace-Id": "Root=1-zz;Sampled=0"})
    assert [r.status_code for r in (dropped, kept, junk)] == [200, 200, 200]
    assert dropped.headers["X-Amzn-Trace-Id"] == f"Root={root}"
    assert dropped.headers["traceresponse"].split("-")[1] == root[2:].replace("-", "")
    assert junk.headers["X-Amzn-Trace-Id"].startswith("Root=1-") and "zz" not in junk.headers["X-Amzn-Trace-Id"]
    kept_root = kept.headers["X-Amzn-Trace-Id"].split(";")[0].removeprefix("Root=")
    assert wait_until(lambda: receivers["xray"].segments(kept_root), timeout=15)
    logged = wait_until(lambda: _logged(receivers, {root[2:].replace("-", "")}), timeout=15)
    assert logged
    server.stop()
    assert not receivers["xray"].segments(root)


def test_telemetry_never_traces_its_own_calls(new_database_url, receivers, start_server):
    env = signals_env(new_database_url("sqlite"), receivers, CRUDDUR_FAULTS="home_activities:error")
    server = start_server(env)
    assert requests.get(server.url + HOME, timeout=10).status_code == 500
    assert requests.get(server.url + "/rollbar/test", timeout=10).status_code == 200
    assert wait_until(lambda: len(receivers["rollbar"].requests) >= 2, timeout=20)
    server.stop()
    for sent in receivers["rollbar"].requests:
        names = {name.lower() for name in sent["headers"]}
        assert not names & {"traceparent", "tracestate", "x-amzn-trace-id"}, names
    client_spans = [s for s in receivers["otlp"].spans() if s["kind"] == "CLIENT"]
    assert not [s for s in client_spans if receivers["rollbar"].url in json.dumps(s["attributes"])]
    assert not [s for s in client_spans if s["attributes"].get("http.method") or s["attributes"].get(
        "http.request.method")]


# What an HTTP client can send: Latin-1 without controls, no leading or trailing whitespace.
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
                      max_size=120).map(str.strip)
HEX = st.integers(0, 2**128 - 1).map(lambda n: f"{n:032x}")


def test_any_trace_headers_are_answered_and_traced_or_dropped(new_database_url, receivers, start_server):
    """The edge reads the caller's trace headers before any route: whatever they hold, the request
    is answered, with one well-formed trace id."""
    env = signals_env(new_database_url("sqlite"), receivers, OTEL_TRACES_SAMPLER="parentbased_traceidratio",
                      OTEL_TRACES_SAMPLER_ARG="0.5")
    server = start_server(env)
    session = requests.Session()
    traceparent = HEADER_TEXT | st.builds(lambda t, s, f: f"00-{t}-{s[:16]}-{f}", HEX, HEX, st.sampled_from(
        ["00", "01", "ff", "zz"]))
    amzn = HEADER_TEXT | st.builds(lambda t, s: f"Root=1-{t[:8]}-{t[8:]};Parent={t[:16]};Sampled={s}", HEX,
                                   st.sampled_from(["0", "1", "?", "", "x"]))

    @settings(max_examples=60, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(traceparent=traceparent, amzn=amzn)
    def case(traceparent, amzn):
        response = session.get(server.url + "/api/health-check", timeout=10,
                               headers={"traceparent": traceparent, "X-Amzn-Trace-Id": amzn})
        assert response.status_code == 200
        version, trace_id, span_id, flags = response.headers["traceresponse"].split("-")
        assert (version, len(trace_id), len(span_id)) == ("00", 32, 16) and flags in ("00", "01")
        assert int(trace_id, 16)
        assert response.headers["X-Amzn-Trace-Id"].startswith(f"Root={xray_root(trace_id)}")

    case()
    server.stop()


# ---- callers cannot raise the export volume beyond the budget --------------------------------------

PARENT_BUDGET = 5


def _unpicked_trace_ids(count, ratio, tag):
    """Trace ids a ratio sampler drops on its own (their low 64 bits lie above ratio × 2^64), so that
    every one of them traced was traced on the caller's word; `tag` keeps each test's ids apart."""
    ids = [f"{tag:08x}{i:08x}{0xf000000000000000 + i:016x}" for i in range(count)]
    assert all(int(t, 16) & (2**64 - 1) >= ratio * 2**64 for t in ids)
    return ids


def test_callers_sampled_flag_is_honoured_only_within_the_budget(new_database_url, receivers, start_server):
    """At a 1% sampler, 100 anonymous requests that each say "sampled" in `traceparent`: only the
    budget's 5 are traced (spans at the OTLP receiver, segments at the X-Ray receiver); every
    response keeps the caller's trace id, traced or not."""
    env = signals_env(new_database_url("sqlite"), receivers, OTEL_TRACES_SAMPLER="parentbased_traceidratio",
                      OTEL_TRACES_SAMPLER_ARG="0.01", CRUDDUR_TRACE_PARENT_BUDGET=f"{PARENT_BUDGET}/hour",
                      ROLLBAR_ACCESS_TOKEN="", CLOUDWATCH_LOG_GROUP="")
    server = start_server(env, workers=1)  # the budget is per process
    session = requests.Session()
    trace_ids = _unpicked_trace_ids(100, 0.01, 0x5f4dcc3b)
    flags = []
    for trace_id in trace_ids:
        response = session.get(server.url + HOME, timeout=10,
                               headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
        assert response.status_code == 200
        _, answered_id, _, flag = response.headers["traceresponse"].split("-")
        assert answered_id == trace_id  # the one trace id, traced or not
        flags.append(flag)
    server.stop()  # flushes the spans
    ours = set(trace_ids)
    spans = [s for s in receivers["otlp"].spans() if s["trace_id"] in ours]
    traced = {s["trace_id"] for s in spans}
    segments = [d for d in receivers["xray"].segments() if d["trace_id"][2:].replace("-", "") in ours]
    print(f"100 caller-sampled requests at a 1% sampler: {len(spans)} spans in {len(traced)} traces, "
          f"{len(segments)} X-Ray segments")
    assert flags == ["01"] * PARENT_BUDGET + ["00"] * (100 - PARENT_BUDGET)
    assert traced == set(trace_ids[:PARENT_BUDGET])
    assert len([s for s in spans if s["kind"] == "SERVER"]) == PARENT_BUDGET
    assert len(segments) == PARENT_BUDGET


def test_a_caller_that_samples_locally_too_spends_no_budget(new_database_url, receivers, start_server):
    """Where the local sampler keeps a request anyway, the caller's flag costs nothing: with a
    budget of 1, every request the sampler picks is traced, plus one more on the caller's word."""
    env = signals_env(new_database_url("sqlite"), receivers, OTEL_TRACES_SAMPLER="parentbased_traceidratio",
                      OTEL_TRACES_SAMPLER_ARG="0.5", CRUDDUR_TRACE_PARENT_BUDGET="1/hour",
                      ROLLBAR_ACCESS_TOKEN="", CLOUDWATCH_LOG_GROUP="")
    server = start_server(env, workers=1)
    session = requests.Session()
    picked = [f"{0x6a000000 + i:08x}{'0' * 8}{i:016x}" for i in range(1, 11)]  # low 64 bits < 2^63
    unpicked = _unpicked_trace_ids(10, 0.5, 0x6b000000)
    answers = {}
    for trace_id in [x for pair in zip(picked, unpicked, strict=True) for x in pair]:
        response = session.get(server.url + "/api/health-check", timeout=10,
                               headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
        answers[trace_id] = response.headers["traceresponse"].split("-")[3]
    assert [answers[t] for t in picked] == ["01"] * 10
    assert [answers[t] for t in unpicked] == ["01"] + ["00"] * 9
    server.stop()


def test_xray_alone_honours_a_callers_sampled_only_within_the_budget(new_database_url, receivers, start_server):
    """OTEL off: a `Sampled=1` caller gets the budget's 2 segments and, past it, no more than a
    caller who said nothing (both are then sampled by the same rules, requests interleaved)."""
    env = signals_env(new_database_url("sqlite"), receivers, OTEL_SDK_DISABLED="true",
                      CRUDDUR_TRACE_PARENT_BUDGET="2/hour", ROLLBAR_ACCESS_TOKEN="", CLOUDWATCH_LOG_GROUP="")
    server = start_server(env, workers=1)
    session = requests.Session()
    asking, silent = _unpicked_trace_ids(100, 0, 0x7a000000), [f"{0x7b000000 + i:08x}{i:024x}" for i in range(100)]
    for ask, say_nothing in zip(asking, silent, strict=True):
        for trace_id, sampled in ((ask, ";Sampled=1"), (say_nothing, "")):
            response = session.get(server.url + "/api/health-check", timeout=10,
                                   headers={"X-Amzn-Trace-Id": f"Root={xray_root(trace_id)}{sampled}"})
            assert response.headers["X-Amzn-Trace-Id"].startswith(f"Root={xray_root(trace_id)}")
    server.stop()
    roots = {d["trace_id"] for d in receivers["xray"].segments()}
    asked = len(roots & {xray_root(t) for t in asking})
    quiet = len(roots & {xray_root(t) for t in silent})
    print(f"X-Ray alone: {asked} segments for 100 Sampled=1 callers, {quiet} for 100 silent ones")
    # The rule's 10% is random: 15 is 3.5 standard deviations of the difference between the groups.
    assert asked <= 2 + quiet + 15
    assert asked < 50


def test_the_budget_is_a_token_bucket_in_flask_limiters_syntax():
    from cruddur.telemetry.edge import ParentBudget

    budget = ParentBudget("3/hour")
    assert [budget.take() for _ in range(10)] == [True] * 3 + [False] * 7  # a refill is 20 minutes away
    assert budget.refused == 7
    with pytest.raises(RuntimeError, match="CRUDDUR_TRACE_PARENT_BUDGET"):
        ParentBudget("as many as they like")
