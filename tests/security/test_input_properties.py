"""Property-based tests (hypothesis) of every input decoder, on a real gunicorn for each database:
JSON bodies (any JSON, any Unicode including lone surrogates, in values and keys), cursors of any
shape, `limit`, the search term, and handles in paths. The only property: the answer is a 2xx or a
4xx that the OpenAPI document declares for that operation, with an `{"errors": [...], "trace_id": ...}`
body; never a 5xx, never a dropped connection.

PROPERTY_EXAMPLES sets the examples per test (default 150); the counts are printed (`-s`)."""
import base64
import json
import os
from collections import Counter
from urllib.parse import quote, quote_from_bytes, unquote

import pytest
import requests
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from testkit.auth import sign_in
from testkit.errors import error_codes
from testkit.gunicorn import backend_env

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "150"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
TALLY = Counter()

# Every code point, surrogates included (hypothesis leaves them out unless asked).
ANY_CHAR = st.characters(exclude_categories=())
ANY_TEXT = st.text(ANY_CHAR, max_size=40)
HOSTILE_TEXT = st.one_of(ANY_TEXT, st.sampled_from(["\ud800", "a\udfffb", "\x00", "\u200b", "\ufeff\u3000", "",
                                                    "x" * 300, "é" * 1025, "@bayko", "%_\\"]))
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | HOSTILE_TEXT,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(HOSTILE_TEXT, inner, max_size=4),
                    max_leaves=12)
FIELDS = ["message", "ttl", "handle", "display_name", "email", "password", "login", "message_group_uuid"]
BODY = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS) | HOSTILE_TEXT, JSON | HOSTILE_TEXT, max_size=6),
    st.fixed_dictionaries({"message": HOSTILE_TEXT, "ttl": st.sampled_from(["1-day", "7-days", "never"])}),
    JSON,
)
# Raw percent-encoded bytes reach the server as they are: invalid UTF-8 included.
QUERY_VALUE = st.one_of(ANY_TEXT.map(lambda s: quote(s, safe="", errors="surrogatepass")),
                        st.binary(max_size=40).map(lambda b: quote_from_bytes(b, safe="")))


def _b64(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


CURSOR = st.one_of(
    QUERY_VALUE,
    JSON.map(lambda v: _b64(json.dumps(v).encode())),
    st.tuples(st.text(max_size=30) | st.sampled_from(["2026-01-01T00:00:00+00:00", "9999-12-31T23:59:59-14:00",
                                                      "0001-01-01T00:00:00+14:00"]),
              st.integers() | st.booleans() | st.floats()).map(lambda v: _b64(json.dumps(list(v)).encode())),
    st.text(st.sampled_from("ABCDEFabcdef0123456789-_."), max_size=120),
)


@pytest.fixture(scope="module")
def server(module_database_url, start_server):
    return start_server(backend_env(module_database_url), workers=2)


@pytest.fixture(scope="module")
def api(server):
    return Client(server)


class Client:
    """Sends the cases, and checks each answer against the statuses the document declares."""

    def __init__(self, server):
        self.url = server.url
        self.session = requests.Session()
        self.token = sign_in("andrewbrown", url=self.url, http=self.session)
        self.auth = {"Authorization": f"Bearer {self.token}"}
        document = self.session.get(f"{self.url}/api/openapi.json", timeout=10).json()
        self.declared = {(path, method.upper()): {int(s) for s in op["responses"]}
                         for path, ops in document["paths"].items() for method, op in ops.items()}
        home = self.session.get(f"{self.url}/api/activities/home", timeout=10).json()
        self.crud = next(a["uuid"] for a in home if a["handle"] == "andrewbrown")
        self.group = self.session.get(f"{self.url}/api/message_groups", headers=self.auth, timeout=10).json()[0]["uuid"]

    def check(self, operation, method, url, **kw):
        # gunicorn itself answers a request line over 4094 bytes with 414 before Cruddur sees it.
        assume(len(url) < 3500)
        response = self.session.request(method, self.url + url, timeout=15, **kw)
        TALLY[(method, operation, response.status_code)] += 1
        allowed = self.declared[(operation, method)]
        assert response.status_code < 500, (url, kw, response.status_code, response.text[:300])
        assert response.status_code in allowed, (url, response.status_code, response.text[:300], allowed)
        if response.status_code >= 400:
            codes = error_codes(response)  # and its trace_id, the traceresponse header's
            assert codes and all(isinstance(c, str) for c in codes)
        return response


BODY_ROUTES = [("/api/activities", "/api/activities", True), ("/api/messages", "/api/messages", True),
               ("/api/auth/signup", "/api/auth/signup", False), ("/api/auth/signin", "/api/auth/signin", False),
               ("/api/activities/{activity_uuid}/reply", "/api/activities/{crud}/reply", True)]


def test_any_json_body_is_a_documented_answer(api):
    @PROPERTY
    @given(route=st.sampled_from(BODY_ROUTES), body=BODY, raw=st.booleans())
    def case(route, body, raw):
        operation, path, signed_in = route
        data = json.dumps(body, ensure_ascii=True)  # lone surrogates travel as \ud800 escapes
        if raw:  # and as bytes that are not UTF-8 at all
            data = data.encode().replace(b"\\u", b"\xff\\u", 1)
        headers = {"Content-Type": "application/json", **(api.auth if signed_in else {})}
        api.check(operation, "POST", path.format(crud=api.crud), data=data, headers=headers)

    case()


LISTS = [("/api/activities/home", "/api/activities/home", False),
         ("/api/activities/search", "/api/activities/search?term=cloud&", False),
         ("/api/activities/@{handle}", "/api/activities/@andrewbrown", False),
         ("/api/activities/notifications", "/api/activities/notifications", True),
         ("/api/message_groups", "/api/message_groups", True),
         ("/api/messages/{group_uuid}", "/api/messages/{group}", True),
         ("/api/activities/@{handle}/status/{activity_uuid}", "/api/activities/@andrewbrown/status/{crud}", False)]


def _list_url(api, path, **args):
    path = path.format(crud=api.crud, group=api.group)
    joiner = "" if path.endswith("&") else "?"
    return path + joiner + "&".join(f"{k}={v}" for k, v in args.items())


def test_any_cursor_is_a_documented_answer(api):
    @PROPERTY
    @given(route=st.sampled_from(LISTS), cursor=CURSOR)
    def case(route, cursor):
        operation, path, signed_in = route
        response = api.check(operation, "GET", _list_url(api, path, cursor=cursor),
                             headers=api.auth if signed_in else {})
        assert response.status_code in (200, 400)

    case()


def test_any_limit_is_a_documented_answer(api):
    @PROPERTY
    @given(route=st.sampled_from(LISTS), limit=st.integers().map(str) | QUERY_VALUE)
    def case(route, limit):
        operation, path, signed_in = route
        response = api.check(operation, "GET", _list_url(api, path, limit=limit),
                             headers=api.auth if signed_in else {})
        assert response.status_code in (200, 400)

    case()


def test_any_search_term_is_a_documented_answer(api):
    @PROPERTY
    @given(term=QUERY_VALUE, token=st.sampled_from([None, "valid", "junk"]))
    def case(term, token):
        headers = {"valid": api.auth, "junk": {"Authorization": "Bearer junk"}, None: {}}[token]
        response = api.check("/api/activities/search", "GET", f"/api/activities/search?term={term}",
                             headers=headers)
        if token == "junk":  # unless screening refused the term first
            assert response.status_code in (400, 401)

    case()


def _one_segment(quoted):
    """A handle that stays one path segment (no `/`, `.` or `..`, which clients resolve away)."""
    raw = unquote(quoted, errors="replace")
    return raw not in ("", ".", "..") and "/" not in raw and "\\" not in raw


HANDLE_ROUTES = [("/api/activities/@{handle}", "/api/activities/@{h}"),
                 ("/api/users/@{handle}/short", "/api/users/@{h}/short"),
                 ("/api/activities/@{handle}/status/{activity_uuid}", "/api/activities/@{h}/status/{crud}")]


def test_any_handle_is_a_documented_answer(api):
    @PROPERTY
    @given(route=st.sampled_from(HANDLE_ROUTES),
           handle=QUERY_VALUE.filter(_one_segment) | st.sampled_from(["ANDREWBROWN", "bayko", "@bayko"]))
    def case(route, handle):
        operation, path = route
        api.check(operation, "GET", path.format(h=handle, crud=api.crud))

    case()


def test_zz_report_the_cases(module_database_url):
    kind = "postgresql" if module_database_url.startswith("postgresql") else "sqlite"
    statuses = Counter()
    for (_, _, status), n in TALLY.items():
        statuses[status] += n
    print(f"\nproperty cases on {kind}: {sum(statuses.values())}, statuses {sorted(statuses.items())}")
    assert not any(status >= 500 for status in statuses)
    TALLY.clear()
