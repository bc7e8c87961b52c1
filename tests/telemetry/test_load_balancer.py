"""Behind an AWS load balancer: `X-Amzn-Trace-Id: Root=…` without `Parent`, in any of the forms an
ALB or a caller sends, continues that trace id in every signal (traceresponse, the SERVER span,
the X-Ray segment, the access line, the Rollbar item); its `Sampled` flag decides sampling, the
configured sampler otherwise; any other header starts a fresh trace and never fails a request."""
import json
import re

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry import trace
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from cruddur.telemetry import propagation
from testkit.receivers import wait_until, xray_id
from testkit.signals import LOG_GROUP, signals_env

HOME = "/api/activities/home"
HEX = st.integers(1, 2**128 - 1).map(lambda n: f"{n:032x}")
SPACE = st.sampled_from(["", " ", "  "])
EXTRA = st.sampled_from(["Lineage=a87bd80c:1|68fd508a:5", "Foo=bar", "Cruddur=1", "x=y=z"])
SELF = st.builds(lambda t: f"Self=1-{t[:8]}-{t[8:]}", HEX)
SAMPLED = st.sampled_from([None, "0", "1", "?"])
# What an HTTP client can send: Latin-1 without controls, no leading or trailing whitespace.
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
                      max_size=120).map(str.strip)


@st.composite
def alb_headers(draw, sampled=SAMPLED):
    """(header, trace id, Sampled value): Root with no Parent, maybe Self, Sampled and extra fields,
    in any order, with spaces around the fields and their values."""
    trace_id = draw(HEX)
    flag = draw(sampled)
    fields = [f"Root={xray_id(trace_id)}"]
    if draw(st.booleans()):
        fields.append(draw(SELF))
    if flag is not None:
        fields.append(f"Sampled={flag}")
    fields += draw(st.lists(EXTRA, max_size=2))
    fields = draw(st.permutations(fields))
    spaced = [f"{draw(SPACE)}{k}{draw(SPACE)}={draw(SPACE)}{v}{draw(SPACE)}"
              for k, _, v in (f.partition("=") for f in fields)]
    header = ";".join(spaced) + draw(st.sampled_from(["", ";"]))
    return header, trace_id, flag


def _flat(header):
    return re.sub(r"[^0-9a-f]", "", header.lower())


# ---- the propagator on its own ----------------------------------------------------------------------

def _extracted(headers):
    propagator = CompositePropagator([propagation.XRayHeaderPropagator(), TraceContextTextMapPropagator()])
    return trace.get_current_span(propagator.extract(headers)).get_span_context()


@settings(max_examples=200, deadline=None, database=None)
@given(alb_headers())
def test_every_alb_form_continues_the_root(case):
    header, trace_id, flag = case
    parsed = propagation.parse(header)
    assert (parsed.trace_id, parsed.parent) == (trace_id, None)
    assert parsed.sampled == {"1": True, "0": False}.get(flag)
    context = _extracted({"X-Amzn-Trace-Id": header})
    assert context.is_valid and format(context.trace_id, "032x") == trace_id
    assert context.span_id == propagation.stand_in_parent(trace_id)  # the same on every extraction
    if flag in ("0", "1"):
        assert context.trace_flags.sampled == (flag == "1")


@settings(max_examples=300, deadline=None, database=None)
@given(st.one_of(st.text(max_size=200), HEADER_TEXT, st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
                 st.builds(lambda t, r: f"Root=1-{t[:8]}-{t[8:8 + r]};Parent=53995c3f42cd8ad8", HEX,
                           st.integers(0, 30))))
def test_any_string_never_raises_and_only_a_valid_root_is_taken(header):
    parsed = propagation.parse(header)
    context = _extracted({"X-Amzn-Trace-Id": header})
    if parsed is None:
        assert not context.is_valid
    else:
        assert re.search(r"Root\s*=\s*1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}\s*(;|$)", header)
        assert format(context.trace_id, "032x") == parsed.trace_id


def test_zero_and_malformed_roots_are_ignored():
    for header in ("Root=1-00000000-000000000000000000000000", "Root=1-zz", "Root=2-67891233-abcdef012345678912345678",
                   "Root=1-67891233-abcdef01234567891234567", "Root=1-67891233abcdef012345678912345678",
                   "Self=1-67891233-abcdef012345678912345678", "", "Root"):
        assert propagation.parse(header) is None, header
        assert not _extracted({"X-Amzn-Trace-Id": header}).is_valid


def test_a_valid_traceparent_wins_over_any_x_amzn_trace_id():
    w3c = "4bf92f3577b34da6a3ce929d0e0e4736"
    for amzn in ("Root=1-67891233-abcdef012345678912345678",
                 "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1"):
        context = _extracted({"traceparent": f"00-{w3c}-00f067aa0ba902b7-01", "X-Amzn-Trace-Id": amzn})
        assert (format(context.trace_id, "032x"), format(context.span_id, "016x")) == (w3c, "00f067aa0ba902b7")
    # An invalid traceparent is ignored: the X-Ray header then counts.
    context = _extracted({"traceparent": "00-zz", "X-Amzn-Trace-Id": "Root=1-67891233-abcdef012345678912345678"})
    assert format(context.trace_id, "032x") == "67891233abcdef012345678912345678"


# ---- on the wire: every signal ----------------------------------------------------------------------

def _access_lines(receivers):
    return [json.loads(e["message"]) for e in receivers["moto"].log_events(LOG_GROUP)
            if '"cruddur.access"' in e["message"]]


def _rollbar_trace_ids(receivers):
    return {i["data"].get("custom", {}).get("trace_id") for i in receivers["rollbar"].items()}


@pytest.fixture(scope="module")
def faulty(new_database_url, receivers, start_server):
    """Every signal on; the home feed's service raises, so each request also makes a Rollbar item."""
    env = signals_env(new_database_url("sqlite"), receivers, CRUDDUR_FAULTS="home_activities:error",
                      CRUDDUR_TRACE_PARENT_BUDGET="100000/second")
    return start_server(env)


def test_alb_forms_continue_the_root_in_every_signal(faulty, receivers):
    session = requests.Session()
    sent = []

    @settings(max_examples=25, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(alb_headers())
    def case(alb):
        header, trace_id, flag = alb
        # HTTP strips whitespace around a header's value (and requests refuses to send it).
        response = session.get(faulty.url + HOME, timeout=10, headers={"X-Amzn-Trace-Id": header.strip()})
        assert response.status_code == 500
        _, answered, _, flags = response.headers["traceresponse"].split("-")
        assert answered == trace_id
        assert response.json()["trace_id"] == trace_id
        assert response.headers["X-Amzn-Trace-Id"].startswith(f"Root={xray_id(trace_id)}")
        assert flags == ("00" if flag == "0" else "01")  # the default sampler keeps what is not refused
        sent.append((trace_id, flag))

    case()
    ids = {t for t, _ in sent}
    sampled = {t for t, f in sent if f != "0"}
    dropped = ids - sampled
    assert sampled and dropped, sent
    lines = wait_until(lambda: ids <= {line["trace_id"] for line in _access_lines(receivers)} and
                       _access_lines(receivers), timeout=20)
    for line in lines:
        if line["trace_id"] in ids:
            assert line["xray_trace_id"] == xray_id(line["trace_id"]) and line["status"] == 500
    assert wait_until(lambda: ids <= _rollbar_trace_ids(receivers), timeout=20), ids - _rollbar_trace_ids(receivers)
    servers = wait_until(lambda: sampled <= {s["trace_id"] for s in receivers["otlp"].spans() if s["kind"] == "SERVER"}
                         and [s for s in receivers["otlp"].spans() if s["kind"] == "SERVER" and s["trace_id"] in ids])
    for server in servers:
        # The load balancer's Root has no span: the SERVER span's parent is the Root's stand-in.
        assert server["parent_span_id"] == format(propagation.stand_in_parent(server["trace_id"]), "016x")
    segments = wait_until(lambda: {xray_id(t) for t in sampled} <= {d["trace_id"] for d in receivers["xray"].segments()}
                          and receivers["xray"].segments())
    for segment in segments:
        if segment["trace_id"][2:].replace("-", "") in ids:
            assert "parent_id" not in segment  # the load balancer records no segment of its own
            assert segment.get("fault") is True
    faulty.stop()  # flushes the spans of every request
    assert not {s["trace_id"] for s in receivers["otlp"].spans()} & dropped
    assert not {d["trace_id"] for d in receivers["xray"].segments()} & {xray_id(t) for t in dropped}


def test_malformed_headers_start_a_fresh_trace(new_database_url, receivers, start_server):
    server = start_server(signals_env(new_database_url("sqlite"), receivers))
    session = requests.Session()
    near_misses = st.builds(lambda t, form: form.format(a=t[:8], b=t[8:], c=t[8:-1]), HEX, st.sampled_from([
        "Root=1-{a}-{b}0", "Root=1-{a}-{c};Sampled=1", "Root=2-{a}-{b}", "Root=1-{a}{b}",
        "Root=1-zz{a}-{b};Sampled=1", "Self=1-{a}-{b};Sampled=1", "Root 1-{a}-{b}", "Root=1-00000000-{b}x"]))

    @settings(max_examples=40, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.one_of(HEADER_TEXT, near_misses))
    def case(header):
        response = session.get(server.url + "/api/users/@worf/short", timeout=10, headers={"X-Amzn-Trace-Id": header})
        assert response.status_code == 200
        trace_id = response.headers["traceresponse"].split("-")[1]
        assert int(trace_id, 16) and len(trace_id) == 32
        if propagation.parse(header) is None:
            assert trace_id not in _flat(header)
            assert int(trace_id[:8], 16) > 1_600_000_000  # a fresh X-Ray id: it starts with the epoch second
        assert response.headers["X-Amzn-Trace-Id"].startswith(f"Root={xray_id(trace_id)}")

    case()


def test_the_configured_sampler_decides_without_a_flag(new_database_url, receivers, start_server):
    """At a 0% sampler: a Root alone (or Sampled=?) is dropped, as a new trace would be; Sampled=1
    is kept (the caller's word, within the budget); every answer keeps the Root."""
    env = signals_env(new_database_url("sqlite"), receivers, OTEL_TRACES_SAMPLER="parentbased_traceidratio",
                      OTEL_TRACES_SAMPLER_ARG="0", CRUDDUR_TRACE_PARENT_BUDGET="1000/second")
    server = start_server(env)
    forms = {"": "00", ";Sampled=?": "00", ";Sampled=1": "01", ";Sampled=0": "00"}
    trace_ids = {}
    for i, (suffix, flags) in enumerate(forms.items()):
        trace_id = f"{0x6c000000 + i:08x}{'ab' * 12}"
        header = f"Self=1-{trace_id[:8]}-{'0' * 23}1;Root={xray_id(trace_id)}{suffix}"
        response = requests.get(server.url + HOME, timeout=10, headers={"X-Amzn-Trace-Id": header})
        assert response.status_code == 200
        assert response.headers["traceresponse"].split("-")[1:4:2] == [trace_id, flags], suffix
        trace_ids[suffix] = trace_id
    kept = trace_ids[";Sampled=1"]
    assert wait_until(lambda: receivers["otlp"].trace(kept))
    assert wait_until(lambda: receivers["xray"].segments(xray_id(kept)))
    server.stop()
    dropped = {t for s, t in trace_ids.items() if s != ";Sampled=1"}
    assert not {s["trace_id"] for s in receivers["otlp"].spans()} & dropped
    assert not {d["trace_id"] for d in receivers["xray"].segments()} & {xray_id(t) for t in dropped}


@pytest.mark.parametrize("xray", ["false", "true"], ids=["all-off", "xray-only"])
def test_with_otel_off_the_root_is_still_the_request_id(new_database_url, receivers, start_server, xray):
    env = signals_env(new_database_url("sqlite"), receivers, OTEL_SDK_DISABLED="true", AWS_XRAY_SDK_ENABLED=xray,
                      CRUDDUR_FAULTS="home_activities:error", CRUDDUR_TRACE_PARENT_BUDGET="1000/second")
    server = start_server(env)
    cases = {}
    for i, form in enumerate(["Root={root}", "Self=1-5759e988-bd862e3fe1be46a99427279f;Root={root};Sampled=1",
                              "Sampled=?;Foo=bar;Root={root}", "Root={root};Parent=53995c3f42cd8ad8",
                              "Self=1-5759e988-bd862e3fe1be46a99427279f ; Root = {root} ; Sampled = 1"]):
        trace_id = f"{0x6d000000 + i:08x}{'cd' * 12}"
        response = requests.get(server.url + HOME, timeout=10,
                                headers={"X-Amzn-Trace-Id": form.format(root=xray_id(trace_id))})
        assert response.status_code == 500
        assert response.headers["traceresponse"].split("-")[1] == trace_id, form
        assert response.json()["trace_id"] == trace_id
        cases[trace_id] = form
    junk = requests.get(server.url + HOME, timeout=10, headers={"X-Amzn-Trace-Id": "Root=1-zz;Sampled=1"})
    junk_id = junk.headers["traceresponse"].split("-")[1]
    assert len(junk_id) == 32 and junk_id.strip("0")
    ids = set(cases)
    lines = wait_until(lambda: ids <= {line["trace_id"] for line in _access_lines(receivers)} and
                       _access_lines(receivers), timeout=20)
    assert all(line["xray_trace_id"] == xray_id(line["trace_id"]) for line in lines if line["trace_id"] in ids)
    assert wait_until(lambda: ids <= _rollbar_trace_ids(receivers), timeout=20)
    if xray == "true":  # Sampled=1 is kept (the others are the rules' to sample); the segment takes the Root
        for asked in (t for t, form in cases.items() if "Sampled=1" in form.replace(" ", "")):  # spaced too
            [segment] = wait_until(lambda asked=asked: receivers["xray"].segments(xray_id(asked)))
            assert segment.get("fault") is True and "parent_id" not in segment
    server.stop()
