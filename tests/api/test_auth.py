"""Sign-up, sign-in and the bearer tokens that guard private routes."""
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from testkit.auth import DEMO_PASSWORD
from testkit.errors import error_codes

NEW_USER = {"handle": "Picard", "display_name": "Jean-Luc Picard", "email": "jl@enterprise.example",
            "password": "make-it-so-1701"}


def test_signup_then_signin_by_handle_and_email(anon, client):
    response = anon.post("/api/auth/signup", NEW_USER)
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"]["handle"] == "picard"
    assert "email" not in body["user"] and "password_hash" not in body["user"]
    assert body["access_token"]
    for login in ("picard", "JL@enterprise.example"):
        signed_in = anon.post("/api/auth/signin", {"login": login, "password": NEW_USER["password"]})
        assert signed_in.status_code == 200
        assert signed_in.get_json()["user"]["uuid"] == body["user"]["uuid"]


def test_signup_rejects_taken_handle_and_email(anon):
    taken = dict(NEW_USER, handle="andrewbrown", email="andrewbrown@cruddur.example")
    response = anon.post("/api/auth/signup", taken)
    assert response.status_code == 422
    assert error_codes(response) == ["handle_taken", "email_taken"]


@pytest.mark.parametrize("login,password", [("andrewbrown", "wrong-password"), ("nobody", DEMO_PASSWORD)])
def test_signin_with_bad_credentials_is_401(anon, login, password):
    response = anon.post("/api/auth/signin", {"login": login, "password": password})
    assert response.status_code == 401
    assert error_codes(response) == ["invalid_credentials"]


PRIVATE = [
    ("get", "/api/activities/notifications"),
    ("get", "/api/message_groups"),
    ("get", "/api/messages/00000000-0000-0000-0000-000000000000"),
    ("post", "/api/activities"),
    ("post", "/api/activities/00000000-0000-0000-0000-000000000000/reply"),
    ("post", "/api/messages"),
]


@pytest.mark.parametrize("method,path", PRIVATE)
def test_private_routes_need_a_token(anon, method, path):
    response = getattr(anon, method)(path)
    assert response.status_code == 401
    assert error_codes(response) == ["authentication_required"]


def _token(api_app, **claims):
    now = datetime.now(UTC)
    base = {"iss": "cruddur", "sub": "x", "handle": "andrewbrown", "iat": now, "exp": now + timedelta(hours=1)}
    return jwt.encode({**base, **claims}, api_app.config["SECRET_KEY"], algorithm="HS256")


@pytest.mark.parametrize("make_token,code", [
    (lambda api_app: _token(api_app, exp=datetime.now(UTC) - timedelta(seconds=5)), "token_expired"),
    (lambda api_app: jwt.encode({"sub": "x", "iss": "cruddur", "iat": 1, "exp": 9e9},
                            "another-cruddur-key-of-at-least-32-bytes", "HS256"),
     "token_invalid"),
    (lambda api_app: _token(api_app, iss="someone-else"), "token_invalid"),
    (lambda api_app: "not-a-jwt", "token_invalid"),
    (lambda api_app: jwt.encode({"sub": "x", "iss": "cruddur", "iat": 1, "exp": 9e9}, None, "none"),
     "token_invalid"),
])
def test_bad_tokens_are_401(api_app, client, make_token, code):
    response = client.get("/api/message_groups", headers={"Authorization": f"Bearer {make_token(api_app)}"})
    assert response.status_code == 401
    assert error_codes(response) == [code]


def test_non_bearer_scheme_is_401(client):
    response = client.get("/api/message_groups", headers={"Authorization": "Basic YTpi"})
    assert response.status_code == 401


def test_the_author_is_the_token_user_never_the_body(andrew, anon):
    response = andrew.post("/api/activities", {"message": "mine", "ttl": "1-day", "handle": "worf",
                                               "user_uuid": "someone"})
    assert response.status_code == 201
    assert response.get_json()["handle"] == "andrewbrown"
