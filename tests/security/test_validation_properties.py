"""Property-based tests (hypothesis) of how validation answers, in process: any JSON body against
every body model, and repeated or odd query arguments on every list. Never a 5xx; a 400 only for a
type error (or input no route can use); every 422 code one of the documented ones.

How pydantic errors are classified (by error type, never by message) is also tested directly, with
validators that raise each kind of error.

VALIDATION_EXAMPLES sets the examples per test (default 120)."""
import json
import os
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from cruddur import openapi, validation
from cruddur.db import db
from cruddur.errors import ApiError
from cruddur.validation import Body, CreateActivityBody, CreateMessageBody, ReplyBody, SigninBody, SignupBody
from testkit.auth import DEMO_PASSWORD, bearer, sign_in
from testkit.errors import error_codes

EXAMPLES = int(os.environ.get("VALIDATION_EXAMPLES", "120"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))
UNLIMITED = "100000/minute"

# Every 422 code the API documents: the validators' own, and the use cases' (taken, self, …).
RULE_CODES = {
    "message_blank", "message_exceed_max_chars", "ttl_invalid", "handle_blank", "handle_invalid",
    "display_name_blank", "display_name_exceed_max_chars", "email_blank", "email_invalid",
    "password_too_short", "password_too_long", "login_blank", "password_blank",
    "search_term_blank", "search_term_exceed_max_chars", "search_term_too_short",
    "handle_taken", "email_taken", "recipient_required", "handle_is_self", "reply_to_reply",
}
# Input no model sees: refused by the JSON parser or the screening in security/screening.py.
UNUSABLE_INPUT_CODES = {"body_invalid_json", "body_not_object", "body_invalid_text", "nul_character"}

BODY_ROUTES = {"/api/activities": CreateActivityBody, "/api/activities/{crud}/reply": ReplyBody,
               "/api/messages": CreateMessageBody, "/api/auth/signup": SignupBody,
               "/api/auth/signin": SigninBody}

TEXT = st.one_of(st.text(max_size=12), st.sampled_from(["", " ", "1-day", "bayko", "andrewbrown", "x" * 300,
                                                        DEMO_PASSWORD, "a@b.example", "\u200b", "\x00"]))
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                    max_leaves=8)


@pytest.fixture(scope="module")
def unlimited_app(app_factory, module_database_url):
    unlimited_app = app_factory(module_database_url, SIGNIN_LIMIT_PER_ACCOUNT=UNLIMITED,
                      SIGNIN_LIMIT_PER_ADDRESS=UNLIMITED, SIGNUP_LIMIT_PER_ADDRESS=UNLIMITED,
                      WRITE_LIMIT_PER_USER=UNLIMITED)
    yield unlimited_app
    with unlimited_app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def api(unlimited_app):
    client = unlimited_app.test_client()
    auth = bearer(sign_in("andrewbrown", http=client))
    crud = next(a["uuid"] for a in client.get("/api/activities/home").get_json() if a["handle"] == "andrewbrown")
    group = client.get("/api/message_groups", headers=auth).get_json()[0]["uuid"]
    declared = {(path, method.upper()): {int(s) for s in op["responses"]}
                for path, ops in openapi.document(unlimited_app)["paths"].items() for method, op in ops.items()}
    return {"client": client, "auth": auth, "crud": crud, "group": group, "declared": declared}


def _codes(response):
    return error_codes(response) if response.status_code >= 400 else []


def _well_typed(model, name, value):
    try:
        TypeAdapter(model.model_fields[name].annotation).validate_python(value, strict=True)
    except ValidationError:
        return False
    return True


def _bodies(model):
    fields = st.sampled_from(sorted(model.model_fields))
    return st.one_of(st.dictionaries(fields | TEXT, JSON, max_size=5), JSON)


@pytest.mark.parametrize("route", BODY_ROUTES)
def test_any_json_body_is_a_type_error_or_a_documented_rule(api, route):
    model = BODY_ROUTES[route]
    operation = route.replace("{crud}", "{activity_uuid}")

    @PROPERTY
    @given(body=_bodies(model))
    def case(body):
        response = api["client"].post(route.format(crud=api["crud"]), data=json.dumps(body),
                                      content_type="application/json", headers=api["auth"])
        status, codes = response.status_code, _codes(response)
        assert status < 500, (body, status, codes)
        assert status in api["declared"][(operation, "POST")], (body, status, codes)
        known = {k: v for k, v in body.items() if k in model.model_fields} if isinstance(body, dict) else {}
        mistyped = {k for k, v in known.items() if not _well_typed(model, k, v)}
        if status == 400:
            typed = {c.removesuffix("_invalid_type") for c in codes if c.endswith("_invalid_type")}
            assert typed == mistyped or set(codes) <= UNUSABLE_INPUT_CODES, (body, codes)
        elif status == 422:
            assert set(codes) <= RULE_CODES, (body, codes)
        if isinstance(body, dict) and not mistyped and status == 400:
            assert set(codes) <= UNUSABLE_INPUT_CODES, (body, codes)

    case()


LISTS = {"/api/activities/home": ("/api/activities/home", False),
         "/api/activities/search": ("/api/activities/search", False),
         "/api/activities/@{handle}": ("/api/activities/@andrewbrown", False),
         "/api/activities/@{handle}/status/{activity_uuid}": ("/api/activities/@andrewbrown/status/{crud}", False),
         "/api/activities/notifications": ("/api/activities/notifications", True),
         "/api/message_groups": ("/api/message_groups", True),
         "/api/messages/{group_uuid}": ("/api/messages/{group}", True)}
QUERY_TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20)


def _url(api, path, pairs):
    path = path.format(crud=api["crud"], group=api["group"])
    return path + "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)


def _known(operation):
    return ["term", "limit", "cursor"] if operation == "/api/activities/search" else ["limit", "cursor"]


def test_a_repeated_query_argument_is_400_name_invalid(api):
    @PROPERTY
    @given(operation=st.sampled_from(sorted(LISTS)), data=st.data(),
           values=st.lists(QUERY_TEXT, min_size=2, max_size=3))
    def case(operation, data, values):
        name = data.draw(st.sampled_from(_known(operation)))
        path, signed_in = LISTS[operation]
        others = [("term", "cloud")] if operation == "/api/activities/search" and name != "term" else []
        response = api["client"].get(_url(api, path, others + [(name, v) for v in values]),
                                     headers=api["auth"] if signed_in else {})
        assert (response.status_code, error_codes(response)) == (400, [f"{name}_invalid"]), values

    case()


def test_repeated_arguments_the_route_does_not_read_are_ignored(api):
    response = api["client"].get("/api/activities/home?page=1&page=2&limit=1")
    assert response.status_code == 200 and len(response.get_json()) == 1


@pytest.mark.parametrize("query,code", [("limit=1&limit=2", "limit_invalid"), ("limit=&limit=false", "limit_invalid"),
                                        ("limit=&limit=", "limit_invalid"), ("cursor=a&cursor=b", "cursor_invalid"),
                                        ("term=a&term=b", "term_invalid")])
def test_the_known_repeats(api, query, code):
    response = api["client"].get(f"/api/activities/search?{query}" if "term" in query
                                 else f"/api/activities/search?term=cloud&{query}")
    assert (response.status_code, error_codes(response)) == (400, [code])
    # An empty value is not an absent one: `limit=` is not a number.
    assert error_codes(api["client"].get("/api/activities/home?limit=")) == ["limit_invalid"]


def test_any_single_query_arguments_are_documented_answers(api):
    @PROPERTY
    @given(operation=st.sampled_from(sorted(LISTS)), data=st.data())
    def case(operation, data):
        names = data.draw(st.lists(st.sampled_from([*_known(operation), "other"]), unique=True, max_size=3))
        pairs = [(name, data.draw(QUERY_TEXT | st.integers().map(str))) for name in names]
        path, signed_in = LISTS[operation]
        response = api["client"].get(_url(api, path, pairs), headers=api["auth"] if signed_in else {})
        status, codes = response.status_code, _codes(response)
        assert status in api["declared"][(operation, "GET")] and status < 500, (pairs, status, codes)
        if status == 400:
            assert set(codes) <= {"limit_invalid", "cursor_invalid"}, (pairs, codes)
        elif status == 422:
            assert set(codes) <= {"search_term_blank", "search_term_exceed_max_chars", "search_term_too_short"}, \
                (pairs, codes)

    case()


class Probe(Body):
    """One field per kind of error a validator can raise, and one typed field."""
    custom: str = ""
    plain: str = ""
    asserted: str = ""
    count: int = 0

    @field_validator("custom")
    @classmethod
    def _custom(cls, v):
        if v == "bad":
            raise PydanticCustomError("custom_rule", "our own rule")
        return v

    @field_validator("plain")
    @classmethod
    def _plain(cls, v):
        if v == "bad":
            raise ValueError("a plain ValueError")
        return v

    @field_validator("asserted")
    @classmethod
    def _asserted(cls, v):
        assert v != "bad", "an assertion"
        return v


@pytest.mark.parametrize("body,status,codes", [
    ({"custom": "bad"}, 422, ["custom_rule"]),
    ({"plain": "bad"}, 422, ["plain_invalid"]),
    ({"asserted": "bad"}, 422, ["asserted_invalid"]),
    ({"custom": "bad", "plain": "bad", "asserted": "bad"}, 422, ["custom_rule", "plain_invalid", "asserted_invalid"]),
    ({"count": "1"}, 400, ["count_invalid_type"]),  # strict: a string is not an int
    ({"count": 1.5, "custom": 3}, 400, ["count_invalid_type", "custom_invalid_type"]),
    ({"plain": "bad", "count": None}, 400, ["count_invalid_type"]),  # a type error wins
])
def test_errors_are_classified_by_their_pydantic_type(unlimited_app, body, status, codes):
    with unlimited_app.test_request_context(json=body), pytest.raises(ApiError) as raised:
        validation.parse(Probe)
    assert (raised.value.status, raised.value.codes) == (status, codes)


def test_a_query_validator_error_is_422_and_a_type_error_400(unlimited_app):
    class Probe(validation.Query):
        number: int = 0
        word: str = ""

        @field_validator("word")
        @classmethod
        def _word(cls, v):
            if v == "bad":
                raise ValueError("no")
            return v

    with unlimited_app.test_request_context("/?word=bad"), pytest.raises(ApiError) as raised:
        validation.parse_query(Probe)
    assert (raised.value.status, raised.value.codes) == (422, ["word_invalid"])
    with unlimited_app.test_request_context("/?number=x&word=bad"), pytest.raises(ApiError) as raised:
        validation.parse_query(Probe)
    assert (raised.value.status, raised.value.codes) == (400, ["number_invalid"])
