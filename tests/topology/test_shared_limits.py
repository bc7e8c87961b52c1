"""Limits held in Redis hold across workers and replicas, see the client behind the proxy, and a
Redis outage fails no request."""
import time

from testkit.auth import DEMO_PASSWORD
from testkit.errors import error_codes
from tests.topology.clients import MixedLoad, session_from
from tests.topology.conftest import ACCOUNT_LIMIT, ADDRESS_LIMIT


def _sign_in(session, url, login, password="wrong"):
    return session.post(f"{url}/api/auth/signin", json={"login": login, "password": password}, timeout=10)



def test_failed_sign_ins_over_both_replicas_hit_429_at_the_configured_count(topology):
    statuses = []
    with session_from("127.0.0.4") as attacker:
        for _ in range(ACCOUNT_LIMIT + 3):
            statuses.append(_sign_in(attacker, topology.url, "londo").status_code)
        blocked = _sign_in(attacker, topology.url, "londo", DEMO_PASSWORD)
    assert statuses == [401] * ACCOUNT_LIMIT + [429] * 3
    assert blocked.status_code == 429 and error_codes(blocked) == ["rate_limited"]
    assert int(blocked.headers["Retry-After"]) > 0
    # The owner, from their own address, is not locked out by someone else's failures.
    with session_from("127.0.0.5") as owner:
        assert _sign_in(owner, topology.url, "londo", DEMO_PASSWORD).status_code == 200
    # The failures were answered by both replicas (round robin), yet counted once.
    answered = [r for r in topology.replicas if '"path": "/api/auth/signin"' in r.output()]
    assert len(answered) == 2
    print(f"429 started after {statuses.index(429)} failed sign-ins (limit {ACCOUNT_LIMIT})")


def test_the_per_address_limit_counts_every_login_from_one_client(topology):
    with session_from("127.0.0.6") as attacker:
        statuses = [_sign_in(attacker, topology.url, f"nobody{i}").status_code for i in range(ADDRESS_LIMIT + 1)]
        # X-Forwarded-For from the client cannot buy a new identity: nginx appends the real peer.
        forged = attacker.post(f"{topology.url}/api/auth/signin", json={"login": "x", "password": "y"},
                               headers={"X-Forwarded-For": "198.51.100.7"}, timeout=10)
    assert statuses == [401] * ADDRESS_LIMIT + [429]
    assert forged.status_code == 429
    with session_from("127.0.0.7") as other:
        assert _sign_in(other, topology.url, "nobody0").status_code == 401


def test_redis_stopping_mid_run_fails_no_request(topology):
    load = MixedLoad(topology.url, threads=4, max_requests=4000, tag="redis-outage").start()
    try:
        time.sleep(1.5)
        topology.redis.stop()
        time.sleep(3)
        with session_from("127.0.0.8") as client:  # sign-in limits still answer, from memory
            statuses = [_sign_in(client, topology.url, "worf").status_code for _ in range(3)]
    finally:
        results = load.stop()
        topology.redis.start()
    assert load.failures() == []
    assert statuses == [401, 401, 401]
    outage = [r for r in results if r["status"]]
    assert len(outage) > 40
    # One warning per worker that met the outage, not one per request.
    warnings = topology.logs().count("Rate limit storage unreachable")
    assert 1 <= warnings <= 2 * len(topology.replicas)
    print(f"redis stopped mid-run: {len(results)} requests, 0 failed, {warnings} fallback warnings")
