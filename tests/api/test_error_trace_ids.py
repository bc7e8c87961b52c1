"""Every error answer carries its request's trace id: `{"errors": [...], "trace_id": "<32 hex>"}`, the
same id as the request's access line and its `traceresponse` header, and a caller's `traceparent`
trace id when one was sent. In process, on both databases, with telemetry off (the fallback id);
test_error_trace_ids_served.py checks the same under gunicorn with OTEL on, sampled or not."""
import itertools
import json
import logging

import pytest
from flask import abort
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from cruddur import create_app
from cruddur.db import db
from cruddur.errors import error_response
from cruddur.telemetry import logs
from testkit.app import make_app
from testkit.auth import DEMO_PASSWORD
from testkit.errors import TRACE_ID, assert_errors, body_of
from testkit.net import free_port

ADDRESSES = (f"10.9.{i // 250}.{i % 250 + 1}" for i in itertools.count())  # a fresh client per 429


def _kind(database_url):
    return make_url(database_url).get_backend_name()


@pytest.fixture(scope="module")
def odd_app(database_url, new_database_url):
    """An app that can answer the rarer errors: an injected fault in home_activities (500), a
    one-a-minute limit on failed sign-ins (429), and a route that forbids (Cruddur's own views answer
    a non-member 404, so 403 only comes from an HTTPException, through the same handler)."""
    app = make_app(new_database_url(_kind(database_url)), FAULTS="home_activities:error",
                   SIGNIN_LIMIT_PER_ACCOUNT="1/minute")

    @app.get("/api/test-only/forbidden")
    def forbidden():
        abort(403)

    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def down_app(database_url, tmp_path_factory):
    """An app whose database cannot be reached: nothing listens on the PostgreSQL port, or the SQLite
    file's directory does not exist."""
    if _kind(database_url) == "postgresql":
        url = f"postgresql+psycopg://cruddur:cruddur@127.0.0.1:{free_port()}/cruddur"
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('down')}/missing/cruddur.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PROPAGATE_EXCEPTIONS": False})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def apps(client, andrew, odd_app, down_app):
    return {"client": client, "token": andrew.token, "odd": odd_app.test_client(), "down": down_app.test_client()}


@pytest.fixture
def access_lines():
    """The access lines, as the stdout handler writes them: its trace-id filter, its JSON formatter."""
    class Lines(list):
        def __repr__(self):  # hypothesis prints the arguments of a failing example
            return f"<{len(self)} access lines, the last {self[-1:]}>"

    lines = Lines()

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(self.format(record)))

    handler = Keep()
    handler.addFilter(logs.TraceIdFilter())
    handler.setFormatter(logs.FORMATTER)
    logger = logging.getLogger("cruddur.access")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def _too_many(apps, headers):
    address = {"REMOTE_ADDR": next(ADDRESSES)}
    body = {"login": "bayko", "password": "wrong"}
    first = apps["odd"].post("/api/auth/signin", json=body, environ_base=address)
    assert first.status_code == 401
    return apps["odd"].post("/api/auth/signin", json=body, environ_base=address, headers=headers)


def _signed(apps, headers):
    return {"Authorization": f"Bearer {apps['token']}", **headers}


# name: (status, codes, how to ask). Sign-ins come from a fresh address each: failed ones are limited.
KINDS = {
    "400 bad JSON": (400, ["body_invalid_json"], lambda apps, h: apps["client"].post(
        "/api/auth/signin", data="{", content_type="application/json", headers=h,
        environ_base={"REMOTE_ADDR": next(ADDRESSES)})),
    "400 wrong type": (400, ["message_invalid_type"], lambda apps, h: apps["client"].post(
        "/api/activities", json={"message": 7, "ttl": "1-day"}, headers=_signed(apps, h))),
    "401": (401, ["authentication_required"], lambda apps, h: apps["client"].get("/api/message_groups", headers=h)),
    "401 bad credentials": (401, ["invalid_credentials"], lambda apps, h: apps["client"].post(
        "/api/auth/signin", json={"login": "nobody", "password": DEMO_PASSWORD}, headers=h,
        environ_base={"REMOTE_ADDR": next(ADDRESSES)})),
    "403": (403, ["forbidden"], lambda apps, h: apps["odd"].get("/api/test-only/forbidden", headers=h)),
    "404 no route": (404, ["not_found"], lambda apps, h: apps["client"].get("/api/nowhere", headers=h)),
    "404 unknown user": (404, ["user_not_found"], lambda apps, h: apps["client"].get(
        "/api/activities/@nobody", headers=h)),
    "405": (405, ["method_not_allowed"], lambda apps, h: apps["client"].post("/api/activities/home", headers=h)),
    "413": (413, ["request_entity_too_large"], lambda apps, h: apps["client"].post(
        "/api/activities", json={"message": "x" * 100_000, "ttl": "1-day"}, headers=_signed(apps, h))),
    "422": (422, ["search_term_blank"], lambda apps, h: apps["client"].get(
        "/api/activities/search?term=%20", headers=h)),
    "429": (429, ["rate_limited"], _too_many),
    "500": (500, ["internal_error"], lambda apps, h: apps["odd"].get("/api/activities/home", headers=h)),
    "503": (503, ["database_unavailable"], lambda apps, h: apps["down"].get("/api/activities/home", headers=h)),
}


def _ask(apps, access_lines, kind, headers=None):
    """The answer of one request of `kind`, checked whole, with the one access line it wrote."""
    status, codes, ask = KINDS[kind]
    response = ask(apps, headers or {})
    line = access_lines[-1]  # the request's own access line is the last one written
    assert line["status"] == status, line
    trace_id = assert_errors(response, status, codes)
    return trace_id, line


@pytest.mark.parametrize("kind", KINDS)
def test_every_error_kind_carries_the_access_lines_trace_id(apps, access_lines, kind):
    trace_id, line = _ask(apps, access_lines, kind)
    assert line["trace_id"] == trace_id
    assert line["xray_trace_id"] == f"1-{trace_id[:8]}-{trace_id[8:]}"


def test_each_request_has_its_own_trace_id(apps, access_lines):
    ids = [_ask(apps, access_lines, "404 no route")[0] for _ in range(5)]
    assert len(set(ids)) == 5


HEX = "0123456789abcdef"
trace_ids = st.text(HEX, min_size=32, max_size=32).filter(lambda t: t != "0" * 32)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(KINDS)), trace_id=trace_ids, span_id=st.text(HEX, min_size=16, max_size=16),
       flags=st.sampled_from(["00", "01"]))
def test_a_callers_traceparent_is_the_body_trace_id(apps, access_lines, kind, trace_id, span_id, flags):
    found, line = _ask(apps, access_lines, kind, {"traceparent": f"00-{trace_id}-{span_id}-{flags}"})
    assert found == trace_id == line["trace_id"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(KINDS)), traceparent=st.one_of(
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
    trace_ids.filter(lambda t: t != t.upper()).map(lambda t: f"00-{t.upper()}-00f067aa0ba902b7-01"),
    trace_ids.map(lambda t: f"00-{t[:31]}-00f067aa0ba902b7-01"),
    trace_ids.map(lambda t: f"00-{t}-00f067aa0ba902b7")))
def test_a_malformed_traceparent_never_reaches_the_body(apps, access_lines, kind, traceparent):
    """A header that is not a W3C traceparent (wrong case, length or shape, any text) is ignored: the
    request gets a fresh id, the one its access line carries."""
    found, line = _ask(apps, access_lines, kind, {"traceparent": traceparent})
    assert TRACE_ID.match(found) and found == line["trace_id"] and found != "0" * 32
    assert found not in traceparent


ZERO_TRACEPARENT = "00-" + "0" * 32 + "-00f067aa0ba902b7-01"


@pytest.mark.parametrize("kind", ["404 no route", "500"])
def test_an_all_zero_traceparent_never_puts_zeros_in_the_body(apps, kind):
    """W3C's invalid all-zero trace id: the body leaves `trace_id` out rather than send zeros."""
    _, _, ask = KINDS[kind]
    body = body_of(ask(apps, {"traceparent": ZERO_TRACEPARENT}))
    assert body.get("trace_id", "absent") != "0" * 32


def test_an_all_zero_traceparent_gets_a_fresh_id(apps, access_lines):
    found, line = _ask(apps, access_lines, "404 no route", {"traceparent": ZERO_TRACEPARENT})
    assert found == line["trace_id"] != "0" * 32


def test_without_a_trace_id_the_key_is_left_out(api_app):
    """Outside a request there is no trace id: the body has no `trace_id` (never null, never zeros)."""
    with api_app.app_context():
        response = error_response(404, ["not_found"])
    assert body_of(response) == {"errors": ["not_found"]}
    assert "traceresponse" not in response.headers
