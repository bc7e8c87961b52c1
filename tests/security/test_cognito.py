"""Cognito access tokens: signed here with a fresh RSA key, the JWKS served from a loopback server.
Valid ones sign in the linked user; every forgery is a 401; the JWKS is fetched once."""
import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from cruddur.db import db
from testkit.auth import bearer, sign_in
from testkit.errors import error_codes
from testkit.gunicorn import backend_env
from tests.security.cognito_tokens import (
    CLIENT,
    POOL,
    SUB,
    JWKSServer,
    Key,
    _b64,
    alg_none,
    cognito_app_for,
    hs256_with_public_key,
    sign,
)


@pytest.fixture(scope="module")
def key():
    return Key("cruddur-key-1")


@pytest.fixture(scope="module")
def jwks(key):
    with JWKSServer([key]) as server:
        yield server


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
    assert error_codes(response) == ["user_not_found"]


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
            assert response.status_code == 401 and error_codes(response) == ["user_not_found"]
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
