"""Cognito access tokens: signed here with a fresh RSA key, the JWKS served from a loopback server.
Valid ones sign in the linked user; every forgery is a 401; the JWKS is fetched once."""
import base64
import hashlib
import hmac
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import text

from cruddur.db import db
from testkit.auth import bearer, sign_in
from testkit.gunicorn import backend_env
from testkit.outages import TCPBlackhole

POOL = "us-east-1_CrUdDuR42"
CLIENT = "cruddur-web-client"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
SUB = str(uuid.uuid4())


class Key:
    def __init__(self, kid):
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_pem = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def jwk(self):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}


class JWKSServer:
    """Serves {"keys": [...]} on 127.0.0.1 and counts the fetches."""

    def __init__(self, keys):
        self.keys = list(keys)
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits += 1
                body = json.dumps({"keys": [k.jwk() for k in server.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/.well-known/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def claims(**overrides):
    now = datetime.now(UTC)
    base = {"sub": SUB, "iss": ISSUER, "client_id": CLIENT, "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "auth_time": int(now.timestamp()), "iat": now, "exp": now + timedelta(hours=1), "jti": str(uuid.uuid4()),
            "username": "andrew"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(key, kid=None, **overrides):
    return jwt.encode(claims(**overrides), key.private, algorithm="RS256", headers={"kid": kid or key.kid})


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header, payload):
    payload = {k: int(v.timestamp()) if isinstance(v, datetime) else v for k, v in payload.items()}
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())


def alg_none(key):
    return _unsigned({"alg": "none", "typ": "JWT", "kid": key.kid}, claims()) + "."


def hs256_with_public_key(key):
    """The classic confusion: an HMAC 'signed' with the RSA public key a verifier might reuse as a secret."""
    signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": key.kid}, claims())
    signature = hmac.new(key.public_pem, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


@pytest.fixture(scope="module")
def key():
    return Key("cruddur-key-1")


@pytest.fixture(scope="module")
def jwks(key):
    with JWKSServer([key]) as server:
        yield server


def cognito_app_for(app_factory, database_url, jwks_url):
    """An app in Cognito mode, with andrewbrown linked to SUB."""
    app = app_factory(database_url, COGNITO_USER_POOL_ID=POOL, COGNITO_CLIENT_ID=CLIENT, COGNITO_JWKS_URL=jwks_url)
    with app.app_context():
        db.session.execute(text("UPDATE users SET cognito_user_id = :sub WHERE handle = 'andrewbrown'"), {"sub": SUB})
        db.session.commit()
    return app


@pytest.fixture(scope="module")
def cognito_app(new_database_url, app_factory, jwks):
    app = cognito_app_for(app_factory, new_database_url("sqlite"), jwks.url)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def call(cognito_app):
    client = cognito_app.test_client()

    def get(token, path="/api/message_groups"):
        return client.get(path, headers={"Authorization": f"Bearer {token}"})

    return get


def test_a_valid_access_token_signs_in_the_linked_user(cognito_app, call, key):
    token = sign(key)
    groups = call(token)
    assert groups.status_code == 200
    assert [g["handle"] for g in groups.get_json()] == ["bayko"]
    created = cognito_app.test_client().post("/api/activities", json={"message": "via Cognito", "ttl": "1-hour"},
                                            headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201 and created.get_json()["handle"] == "andrewbrown"


def test_local_tokens_keep_working_beside_cognito(cognito_app):
    client = cognito_app.test_client()
    response = client.get("/api/message_groups", headers=bearer(sign_in("bayko", http=client)))
    assert response.status_code == 200 and response.get_json()[0]["handle"] == "andrewbrown"


ATTACKS = {
    "wrong kid": lambda key, other: sign(other, kid="no-such-kid"),
    "signed by another key under our kid": lambda key, other: sign(other, kid=key.kid),
    "wrong issuer": lambda key, other: sign(key, iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"),
    "issuer of our pool in another region": lambda key, other: sign(
        key, iss=f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"),
    "wrong client": lambda key, other: sign(key, client_id="someone-elses-client"),
    "expired": lambda key, other: sign(key, iat=datetime.now(UTC) - timedelta(hours=2),
                                       exp=datetime.now(UTC) - timedelta(hours=1)),
    "id token": lambda key, other: sign(key, token_use="id", aud=CLIENT),
    "no token_use": lambda key, other: sign(key, token_use=None),
    "no client_id": lambda key, other: sign(key, client_id=None),
    "no exp": lambda key, other: sign(key, exp=None),
    "alg none": lambda key, other: alg_none(key),
    "HS256 signed with the public key": lambda key, other: hs256_with_public_key(key),
    "tampered payload": lambda key, other: _tamper(sign(key)),
}


def _tamper(token):
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["sub"] = str(uuid.uuid4())
    return ".".join([header, _b64(json.dumps(body).encode()), signature])


@pytest.mark.parametrize("attack", ATTACKS)
def test_forged_tokens_are_rejected(call, key, attack):
    response = call(ATTACKS[attack](key, Key("attacker")))
    assert response.status_code == 401
    assert response.get_json()["errors"][0] in {"token_invalid", "token_expired"}


def test_an_unlinked_cognito_user_is_401_user_not_found(call, key):
    response = call(sign(key, sub=str(uuid.uuid4())))
    assert response.status_code == 401
    assert response.get_json() == {"errors": ["user_not_found"]}


def test_optional_routes_reject_forgeries_too(call, key):
    assert call(alg_none(key), "/api/activities/home").status_code == 401
    assert call(sign(key), "/api/activities/home").status_code == 200


def test_the_jwks_is_fetched_once_across_many_requests(new_database_url, app_factory, key):
    with JWKSServer([key]) as server:
        app = cognito_app_for(app_factory, new_database_url("sqlite"), server.url)
        client = app.test_client()
        other = Key("attacker")
        statuses = [client.get("/api/activities/home", headers={"Authorization": f"Bearer {token}"}).status_code
                    for token in [sign(key) for _ in range(30)] + [sign(other, kid=f"kid-{i}") for i in range(30)]]
        assert statuses == [200] * 30 + [401] * 30
        assert server.hits == 1  # unknown kids do not refetch within the cooldown


def test_a_rotated_key_is_fetched_when_its_kid_first_appears(new_database_url, app_factory, key):
    with JWKSServer([key]) as server:
        app = cognito_app_for(app_factory, new_database_url("sqlite"), server.url)
        app.extensions["cognito"].jwks.cooldown_duration = 0  # as if the cooldown had passed
        client = app.test_client()
        assert client.get("/api/activities/home", headers={"Authorization": f"Bearer {sign(key)}"}).status_code == 200
        rotated = Key("cruddur-key-2")
        server.keys.append(rotated)
        for _ in range(5):
            response = client.get("/api/activities/home", headers={"Authorization": f"Bearer {sign(rotated)}"})
            assert response.status_code == 200
        assert server.hits == 2


def test_gunicorn_reads_cognito_from_the_environment(new_database_url, start_server, key):
    """The documented variables turn it on; one worker fetches the JWKS once for all its requests."""
    with JWKSServer([key]) as server:
        env = backend_env(new_database_url("sqlite"), AWS_COGNITO_USER_POOL_ID=POOL,
                          AWS_COGNITO_USER_POOL_CLIENT_ID=CLIENT, AWS_COGNITO_JWKS_URL=server.url)
        gunicorn = start_server(env, workers=1)
        token = sign_in("worf", url=gunicorn.url)
        assert requests.get(f"{gunicorn.url}/api/message_groups", timeout=10,
                            headers={"Authorization": f"Bearer {token}"}).status_code == 200
        for _ in range(10):
            response = requests.get(f"{gunicorn.url}/api/message_groups", timeout=10,
                                    headers={"Authorization": f"Bearer {sign(key)}"})
            assert response.status_code == 401 and response.json() == {"errors": ["user_not_found"]}
        assert server.hits == 1


def test_link_cognito_command(new_database_url):
    from testkit.gunicorn import flask_command

    env = backend_env(new_database_url("sqlite"))
    flask_command(env, "db", "upgrade")
    flask_command(env, "seed")
    result = flask_command(env, "link-cognito", "Bayko", SUB)
    assert f"bayko linked to Cognito user {SUB}" in result.stdout
    import sqlite3

    with sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///")) as conn:
        assert conn.execute("SELECT handle FROM users WHERE cognito_user_id = ?", (SUB,)).fetchall() == [("bayko",)]


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
            answers.append((response.status_code, response.json()))
            if i == 5:
                unsigned_fetches = jwks.connections
        server.stop()
        print(f"{len(forged)} forged tokens against a hanging JWKS: {jwks.connections} fetches")
        assert answers == [(401, {"errors": ["token_invalid"]})] * len(forged)
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
