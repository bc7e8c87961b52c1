"""Signing in as a demo user, over HTTP (requests, a Session) or through a Flask test client."""
import requests
from flask.testing import FlaskClient

from cruddur.seed import DEMO_PASSWORD

SIGNIN_PATH = "/api/auth/signin"

__all__ = ["DEMO_PASSWORD", "SIGNIN_PATH", "bearer", "sign_in"]


def sign_in(login, password=DEMO_PASSWORD, *, url="", http=requests):
    """POST the sign-in form and return the access token; fail unless it answers 200.

    `http` is `requests` (the default), a `requests.Session`, or a Flask test client (then no `url`)."""
    body = {"login": login, "password": password}
    if isinstance(http, FlaskClient):
        response = http.post(url + SIGNIN_PATH, json=body)
        answer = response.get_json()
    else:
        response = http.post(url + SIGNIN_PATH, json=body, timeout=10)
        answer = response.json()
    assert response.status_code == 200, (login, response.status_code, answer)
    return answer["access_token"]


def bearer(token):
    """The request headers that carry `token`."""
    return {"Authorization": f"Bearer {token}"}
