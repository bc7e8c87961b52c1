"""Abuse limits on a real gunicorn with the limits in a real redis-server: `/rollbar/test` cannot be
turned into a stream of Rollbar items carrying a caller's text, IPv6 clients are limited per
prefix (not per address, of which one host has 2^64), and a proxy setting with no proxy in front
says so once."""
import ipaddress
import json

import pytest
import requests
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cruddur.db import db
from testkit.auth import DEMO_PASSWORD
from testkit.edge import Redis
from testkit.errors import error_codes
from testkit.gunicorn import backend_env
from testkit.receivers import RollbarReceiver, wait_until

MARKER = "attacker-text-5b1c"
SIGNUP_LIMIT, ACCOUNT_LIMIT = 3, 10
PROXY_WARNING = "CRUDDUR_PROXY_HOPS is set but a request came without X-Forwarded-For"


@pytest.fixture(scope="module")
def redis():
    server = Redis().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def rollbar_receiver():
    receiver = RollbarReceiver().start()
    yield receiver
    receiver.stop()


def test_rollbar_test_is_limited_for_all_callers_and_carries_no_caller_text(new_database_url, start_server,
                                                                            redis, rollbar_receiver):
    """100 calls from 100 addresses (through a trusted proxy), each with the caller's text in the
    query, a header and the user agent: the default limit's 3 are answered "Hello World!" and
    reported, the rest are 429, and no item holds the caller's text."""
    env = backend_env(new_database_url("sqlite"), RATELIMIT_STORAGE_URI=redis.uri, CRUDDUR_PROXY_HOPS="1",
                      ROLLBAR_ACCESS_TOKEN="rollbar-test-token", ROLLBAR_ENDPOINT=rollbar_receiver.url + "/api/1/",
                      ROLLBAR_ENVIRONMENT="test")
    server = start_server(env, seed=False)
    session = requests.Session()
    answers = []
    for i in range(100):
        response = session.get(f"{server.url}/rollbar/test", params={"message": MARKER, "level": "critical"},
                               headers={"X-Forwarded-For": f"198.51.100.{i}", "X-Note": MARKER,
                                        "User-Agent": MARKER}, timeout=10)
        answers.append((response.status_code, response.text if response.status_code == 200 else error_codes(response)))
    print(f"/rollbar/test: {sum(code == 200 for code, _ in answers)} of 100 calls answered 200")
    assert answers[:3] == [(200, "Hello World!")] * 3
    assert answers[3:] == [(429, ["rate_limited"])] * 97
    assert wait_until(lambda: len(rollbar_receiver.items()) >= 3, timeout=15)
    server.stop()  # flushes Rollbar's queue
    items = rollbar_receiver.items()
    assert len(items) == 3
    for item in items:
        assert item["data"]["body"]["message"]["body"] == "Hello World!"
        assert item["data"]["level"] == "warning"
        assert item["data"]["request"] == {"method": "GET", "url": "/rollbar/test"}
    assert not [sent for sent in rollbar_receiver.requests if MARKER.encode() in sent["raw"]]
    print(f"/rollbar/test: 100 calls, {len(items)} Rollbar items, 0 with the caller's text")


def test_the_rollbar_test_limit_comes_from_the_environment(new_database_url, app_factory):
    app = app_factory(new_database_url("sqlite"), CRUDDUR_ROLLBAR_TEST_LIMIT="1/minute")
    try:
        client = app.test_client()
        assert [client.get("/rollbar/test").status_code for _ in range(3)] == [200, 429, 429]
    finally:
        with app.app_context():
            db.engine.dispose()


# ---- IPv6 clients are limited by prefix ----------------------------------------------------------

PREFIXES = st.integers(0x2001_0db8_0000_0000, 0x2001_0db8_ffff_ffff).map(lambda high: high << 64)
HOSTS = st.integers(1, 2**64 - 1)


def _v6(number):
    return str(ipaddress.IPv6Address(number))


@pytest.fixture(scope="module")
def ipv6_server(new_database_url, start_server, redis):
    """Two workers sharing their limits in Redis, behind one trusted proxy hop."""
    env = backend_env(new_database_url("sqlite"), RATELIMIT_STORAGE_URI=redis.uri, CRUDDUR_PROXY_HOPS="1",
                      CRUDDUR_SIGNUP_LIMIT_PER_ADDRESS=f"{SIGNUP_LIMIT}/minute",
                      CRUDDUR_SIGNIN_LIMIT_PER_ACCOUNT=f"{ACCOUNT_LIMIT}/minute",
                      CRUDDUR_SIGNIN_LIMIT_PER_ADDRESS="1000/minute")
    return start_server(env)


def test_sign_ups_from_one_ipv6_prefix_share_one_limit(ipv6_server):
    """Any addresses in one /64 get the limit's sign-ups between them; another /64 has its own."""
    session = requests.Session()
    used = set()

    def signup(address):
        return session.post(f"{ipv6_server.url}/api/auth/signup", json={}, timeout=10,
                            headers={"X-Forwarded-For": address}).status_code

    @settings(max_examples=12, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(prefix=PREFIXES, hosts=st.lists(HOSTS, min_size=SIGNUP_LIMIT + 2, max_size=SIGNUP_LIMIT + 4,
                                           unique=True), other=st.integers(0, 63))
    def case(prefix, hosts, other):
        neighbour = prefix ^ (1 << (64 + other))  # differs from `prefix` in one of its 64 bits
        assume(prefix not in used and neighbour not in used)
        used.update({prefix, neighbour})
        statuses = [signup(_v6(prefix | host)) for host in hosts]
        print(f"sign-ups from one /64: {statuses.count(422)} of {len(hosts)} accepted (limit {SIGNUP_LIMIT})")
        assert statuses == [422] * SIGNUP_LIMIT + [429] * (len(hosts) - SIGNUP_LIMIT)
        assert signup(_v6(neighbour | hosts[0])) == 422

    case()


def test_password_guesses_from_one_ipv6_prefix_share_one_limit(ipv6_server):
    session = requests.Session()
    statuses = [session.post(f"{ipv6_server.url}/api/auth/signin", json={"login": "bayko", "password": "wrong"},
                             headers={"X-Forwarded-For": f"2001:db8:77:1::{i:x}"}, timeout=10).status_code
                for i in range(1, 26)]
    print(f"password guesses from one /64: {statuses.count(401)} of 25 answered (limit {ACCOUNT_LIMIT})")
    assert statuses == [401] * ACCOUNT_LIMIT + [429] * (25 - ACCOUNT_LIMIT)
    owner = session.post(f"{ipv6_server.url}/api/auth/signin", json={"login": "bayko", "password": DEMO_PASSWORD},
                         headers={"X-Forwarded-For": "2001:db8:77:2::1"}, timeout=10)
    assert owner.status_code == 200  # the account's owner, from another prefix, is not locked out
    # IPv4 clients stay per address: a neighbouring address has a window of its own.
    for address in ("192.0.2.1", "192.0.2.2"):
        assert [session.post(f"{ipv6_server.url}/api/auth/signup", json={}, timeout=10,
                             headers={"X-Forwarded-For": address}).status_code
                for _ in range(SIGNUP_LIMIT + 1)] == [422] * SIGNUP_LIMIT + [429]


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(prefix=st.integers(1, 128), a=st.integers(0, 2**128 - 1), b=st.integers(0, 2**128 - 1))
def test_two_ipv6_addresses_share_a_key_exactly_when_they_share_the_prefix(prefix, a, b):
    from cruddur.security import limit_key

    assume(ipaddress.IPv6Address(a).ipv4_mapped is None and ipaddress.IPv6Address(b).ipv4_mapped is None)
    same_prefix = a >> (128 - prefix) == b >> (128 - prefix)
    assert (limit_key(_v6(a), prefix) == limit_key(_v6(b), prefix)) == same_prefix


@settings(max_examples=100, deadline=None, database=None, derandomize=True)
@given(a=st.integers(0, 2**32 - 1), b=st.integers(0, 2**32 - 1))
def test_ipv4_addresses_are_limited_one_by_one(a, b):
    from cruddur.security import limit_key

    v4 = str(ipaddress.IPv4Address(a))
    assert limit_key(v4) == v4 == limit_key(f"::ffff:{v4}")  # an IPv4-mapped IPv6 peer too
    assert (limit_key(v4) == limit_key(str(ipaddress.IPv4Address(b)))) == (a == b)


def test_the_ipv6_prefix_comes_from_the_environment(new_database_url, app_factory):
    app = app_factory(new_database_url("sqlite"), CRUDDUR_IPV6_LIMIT_PREFIX="48", SIGNUP_LIMIT_PER_ADDRESS="2/minute")
    try:
        client = app.test_client()
        statuses = [client.post("/api/auth/signup", json={}, environ_base={"REMOTE_ADDR": address}).status_code
                    for address in ("2001:db8:5:1::1", "2001:db8:5:ff::1", "2001:db8:5:ffff:1::9",
                                    "2001:db8:6::1")]
    finally:
        with app.app_context():
            db.engine.dispose()
    assert statuses == [422, 422, 429, 422]  # one /48 shares the window; the next /48 does not


@pytest.mark.parametrize("value", ["0", "129", "/x", "sixty-four"])
def test_a_bad_ipv6_prefix_fails_at_start_up(new_database_url, app_factory, value):
    with pytest.raises(RuntimeError, match="CRUDDUR_IPV6_LIMIT_PREFIX"):
        app_factory(new_database_url("sqlite"), CRUDDUR_IPV6_LIMIT_PREFIX=value)


# ---- a proxy setting with no proxy in front --------------------------------------------------------

def _proxy_warnings(server):
    return [json.loads(line) for line in server.output().splitlines()
            if line.startswith("{") and PROXY_WARNING in line]


def test_proxy_hops_without_forwarded_requests_warn_once_per_process(new_database_url, start_server):
    env = backend_env(new_database_url("sqlite"), CRUDDUR_PROXY_HOPS="1")
    server = start_server(env, seed=False, workers=1)
    session = requests.Session()
    # Health probes reach gunicorn directly by design (compose's healthcheck, a load balancer's).
    for _ in range(3):
        assert session.get(f"{server.url}/api/health-check", timeout=10).status_code == 200
    for _ in range(5):
        assert session.get(f"{server.url}/api/activities/home", timeout=10).status_code == 200
        assert session.get(f"{server.url}/api/activities/home", headers={"X-Forwarded-For": "192.0.2.7"},
                           timeout=10).status_code == 200
    server.stop()
    [warning] = _proxy_warnings(server)
    assert warning["level"] == "WARNING" and warning["proxy_hops"] == 1 and warning["forwarded_addresses"] == 0
    assert warning["peer"] == "127.0.0.1"


def test_no_proxy_warning_without_proxy_hops(new_database_url, start_server):
    plain = start_server(backend_env(new_database_url("sqlite")), seed=False, workers=1)
    assert requests.get(f"{plain.url}/api/health-check", timeout=10).status_code == 200
    plain.stop()
    assert _proxy_warnings(plain) == [] and "cruddur.security" not in plain.output()
