"""Cognito during a JWKS outage: forged tokens cost at most one bounded fetch while the endpoint
hangs, and keys fetched before the outage keep verifying."""
import pytest
import requests

from cruddur.db import db
from testkit.errors import error_codes
from testkit.gunicorn import backend_env
from testkit.outages import TCPBlackhole
from tests.security.cognito_tokens import (
    CLIENT,
    POOL,
    JWKSServer,
    Key,
    _unsigned,
    alg_none,
    claims,
    cognito_app_for,
    sign,
)


@pytest.fixture(scope="module")
def key():
    return Key("cruddur-key-1")


class HangingServer(TCPBlackhole):
    """A JWKS endpoint in an outage: it accepts TCP connections on loopback and never answers;
    `connections` counts them."""

    def __init__(self):
        super().__init__()
        self.url += "/.well-known/jwks.json"

    @property
    def connections(self):
        return len(self.held)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def test_a_hanging_jwks_endpoint_costs_at_most_one_fetch_for_any_number_of_forged_tokens(new_database_url,
                                                                                         start_server, key):
    """While the JWKS endpoint hangs, forged tokens naming the pool cannot make the worker wait on it
    one after another: unsigned ones never reach it, and one bounded fetch that failed is remembered."""
    attacker = Key("attacker")
    forged = [alg_none(key) for _ in range(5)] + [_unsigned({"alg": "RS256", "typ": "JWT", "kid": key.kid}, claims())
                                                  + "."]
    forged += [sign(attacker, kid=f"kid-{i}") for i in range(6)] + [sign(attacker, kid=key.kid) for _ in range(6)]
    with HangingServer() as jwks:
        env = backend_env(new_database_url("sqlite"), AWS_COGNITO_USER_POOL_ID=POOL,
                          AWS_COGNITO_USER_POOL_CLIENT_ID=CLIENT, AWS_COGNITO_JWKS_URL=jwks.url)
        server = start_server(env, seed=False, workers=1)
        session = requests.Session()
        answers = []
        for i, token in enumerate(forged):
            response = session.get(f"{server.url}/api/activities/home", timeout=30,
                                   headers={"Authorization": f"Bearer {token}"})
            answers.append((response.status_code, error_codes(response)))
            if i == 5:
                unsigned_fetches = jwks.connections
        server.stop()
        print(f"{len(forged)} forged tokens against a hanging JWKS: {jwks.connections} fetches")
        assert answers == [(401, ["token_invalid"])] * len(forged)
        assert unsigned_fetches == 0
        assert jwks.connections == 1
    assert "Cognito JWKS unreachable" in server.output()


def test_keys_fetched_before_an_outage_keep_verifying(new_database_url, app_factory, key):
    """The JWKS goes away after one good fetch and the cache's lifespan passes: valid tokens still
    verify with the keys it had, and forged ones are still refused."""
    with JWKSServer([key]) as server:
        app = cognito_app_for(app_factory, new_database_url("sqlite"), server.url)
        client = app.test_client()
        assert client.get("/api/activities/home", headers={"Authorization": f"Bearer {sign(key)}"}).status_code == 200
    jwks = app.extensions["cognito"].jwks
    jwks.jwk_set_cache.put(None)  # as if the lifespan had passed: the next token asks the (dead) endpoint
    statuses = [client.get("/api/activities/home", headers={"Authorization": f"Bearer {token}"}).status_code
                for token in (sign(key), sign(Key("attacker"), kid=key.kid), sign(key))]
    with app.app_context():
        db.engine.dispose()
    assert statuses == [200, 401, 200]
    assert jwks.attempts == 2  # the first good fetch, one failed one; the back-off covers the rest
