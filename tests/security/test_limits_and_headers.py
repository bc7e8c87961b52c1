"""Sign-in rate limits (429 rate_limited), hostile input screening (400) and the security headers."""
import pytest

from cruddur.db import db
from testkit.auth import DEMO_PASSWORD
from testkit.errors import error_codes

ACCOUNT_LIMIT, ADDRESS_LIMIT, SIGNUP_LIMIT, WRITE_LIMIT = 3, 6, 4, 5


@pytest.fixture(scope="module")
def limited_app(new_database_url, app_factory):
    app = app_factory(new_database_url("sqlite"), SIGNIN_LIMIT_PER_ACCOUNT=f"{ACCOUNT_LIMIT}/minute",
                      SIGNIN_LIMIT_PER_ADDRESS=f"{ADDRESS_LIMIT}/minute",
                      SIGNUP_LIMIT_PER_ADDRESS=f"{SIGNUP_LIMIT}/minute", WRITE_LIMIT_PER_USER=f"{WRITE_LIMIT}/minute")
    yield app
    with app.app_context():
        db.engine.dispose()


def signin(app, login, password, address, **headers):
    return app.test_client().post("/api/auth/signin", json={"login": login, "password": password},
                                  environ_base={"REMOTE_ADDR": address}, headers=headers)


def test_failed_sign_ins_per_account_are_limited(limited_app):
    for _ in range(ACCOUNT_LIMIT):
        assert signin(limited_app, "bayko", "wrong", "10.0.0.1").status_code == 401
    # From that address, even the right password cannot go on guessing for this account.
    for login in ("bayko", "Bayko ", "BAYKO"):
        response = signin(limited_app, login, DEMO_PASSWORD, "10.0.0.1")
        assert response.status_code == 429
        assert error_codes(response) == ["rate_limited"]
        assert 0 < int(response.headers["Retry-After"]) <= 60
    assert signin(limited_app, "worf", DEMO_PASSWORD, "10.0.0.1").status_code == 200
    # Failures from other addresses never lock the account's owner out of their own.
    assert signin(limited_app, "bayko", DEMO_PASSWORD, "10.0.0.2").status_code == 200


def test_failed_sign_ins_per_address_are_limited(limited_app):
    for i in range(ADDRESS_LIMIT):
        assert signin(limited_app, f"nobody{i}", "wrong", "10.0.1.1").status_code == 401
    assert signin(limited_app, "londo", DEMO_PASSWORD, "10.0.1.1").status_code == 429
    # X-Forwarded-For is not trusted, so it cannot buy a fresh window.
    forwarded = {"X-Forwarded-For": "192.0.2.9"}
    assert signin(limited_app, "londo", DEMO_PASSWORD, "10.0.1.1", **forwarded).status_code == 429
    assert signin(limited_app, "londo", DEMO_PASSWORD, "10.0.1.2").status_code == 200


def test_successful_sign_ins_do_not_count(limited_app):
    for _ in range(5 * ADDRESS_LIMIT):
        assert signin(limited_app, "garek", DEMO_PASSWORD, "10.0.2.1").status_code == 200


def test_sign_ups_per_address_are_limited_taken_or_not(limited_app):
    client = limited_app.test_client()
    bodies = [{}, {"handle": "bayko", "display_name": "B", "email": "new@example.com", "password": "x" * 12}]
    for i in range(SIGNUP_LIMIT):
        response = client.post("/api/auth/signup", json=bodies[i % 2], environ_base={"REMOTE_ADDR": "10.0.3.1"})
        assert response.status_code == 422
    response = client.post("/api/auth/signup", json={}, environ_base={"REMOTE_ADDR": "10.0.3.1"})
    assert response.status_code == 429 and error_codes(response) == ["rate_limited"]
    assert int(response.headers["Retry-After"]) > 0
    assert client.post("/api/auth/signup", json={}, environ_base={"REMOTE_ADDR": "10.0.3.2"}).status_code == 422


def test_writes_per_user_are_limited_across_posts_replies_and_messages(limited_app):
    client = limited_app.test_client()
    token = signin(limited_app, "altbrown", DEMO_PASSWORD, "10.0.4.1").get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    crud = client.post("/api/activities", json={"message": "limited", "ttl": "1-hour"}, headers=headers)
    assert crud.status_code == 201
    writes = [("/api/activities/" + crud.get_json()["uuid"] + "/reply", {"message": "r"}),
              ("/api/messages", {"handle": "bayko", "message": "m"}),
              ("/api/activities", {"message": "", "ttl": "1-hour"})]  # a rejected write counts too
    for i in range(WRITE_LIMIT - 1):
        path, body = writes[i % len(writes)]
        assert client.post(path, json=body, headers=headers).status_code in (201, 422)
    for path, body in writes:  # from any address, on any write route
        response = client.post(path, json=body, headers=headers, environ_base={"REMOTE_ADDR": "10.0.4.9"})
        assert response.status_code == 429 and error_codes(response) == ["rate_limited"]
    # Reading is not a write, and another user has a window of their own.
    assert client.get("/api/activities/home", headers=headers).status_code == 200
    other = signin(limited_app, "londo", DEMO_PASSWORD, "10.0.4.1").get_json()["access_token"]
    assert client.post("/api/activities", json={"message": "mine", "ttl": "1-hour"},
                       headers={"Authorization": f"Bearer {other}"}).status_code == 201
    # Without a valid token the view answers 401, as it would without limits.
    assert client.post("/api/activities", json={"message": "x", "ttl": "1-hour"},
                       headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_the_limits_come_from_the_environment(monkeypatch):
    from cruddur.config import Config

    config = Config({"CRUDDUR_SIGNIN_LIMIT_PER_ACCOUNT": "5/minute;20/hour", "SECRET_KEY": "x"})
    assert config.SIGNIN_LIMIT_PER_ACCOUNT == "5/minute;20/hour" and config.SIGNIN_LIMIT_PER_ADDRESS == "50/minute"


def test_a_malformed_limit_fails_at_start_up(new_database_url, app_factory):
    with pytest.raises(ValueError):
        app_factory(new_database_url("sqlite"), SIGNIN_LIMIT_PER_ACCOUNT="ten a minute")


@pytest.mark.parametrize("method,path,body", [
    ("get", "/api/users/@and%00rew/short", None),
    ("get", "/api/activities/@andrew%00brown", None),
    ("get", "/api/activities/search?term=abc%00def", None),
    ("get", "/api/activities/home?cur%00sor=x", None),
    ("post", "/api/auth/signin", {"login": "andrewbrown\u0000", "password": "x"}),
    ("post", "/api/auth/signup", {"handle": "a", "display_name": "b", "email": "c", "password": {"\u0000": 1}}),
    ("post", "/api/activities", {"message": "nul \u0000 inside", "ttl": "1-day"}),
])
def test_nul_characters_are_400(client, sign_in, method, path, body):
    api = sign_in("andrewbrown")
    response = api.get(path) if method == "get" else api.post(path, body)
    assert response.status_code == 400
    assert error_codes(response) == ["nul_character"]


@pytest.mark.parametrize("path", ["/api/auth/signin", "/api/auth/signup", "/api/activities", "/api/messages"])
def test_json_nested_past_the_parser_is_400(client, path):
    body = "[" * 20000 + "]" * 20000  # under the 64 KiB cap; json raises RecursionError, not ValueError
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400
    assert error_codes(response) == ["body_invalid_json"]


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


@pytest.mark.parametrize("method,path,status", [
    ("get", "/api/health-check", 200),
    ("get", "/api/activities/home", 200),
    ("get", "/api/users/@nobody/short", 404),
    ("get", "/api/message_groups", 401),
    ("post", "/api/activities/home", 405),
    ("get", "/rollbar/test", 200),
    ("get", "/api/openapi.json", 200),
])
def test_security_headers_on_every_response(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here
    assert response.headers.get("Cache-Control") != "no-store"


def test_hsts_over_https(client):
    response = client.get("/api/health-check", base_url="https://cruddur.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_authenticated_and_token_bearing_responses_are_not_cached(client, sign_in):
    signed_in = client.post("/api/auth/signin", json={"login": "bayko", "password": DEMO_PASSWORD})
    assert signed_in.headers["Cache-Control"] == "no-store"
    assert client.post("/api/auth/signup", json={}).headers["Cache-Control"] == "no-store"
    api = sign_in("bayko")
    for path in ("/api/message_groups", "/api/activities/home", "/api/activities/notifications"):
        assert api.get(path).headers["Cache-Control"] == "no-store"


def test_cors_allows_only_the_frontend(seeded_app, client):
    allowed = seeded_app.config["FRONTEND_URL"]
    ok = client.options("/api/activities/home", headers={"Origin": allowed, "Access-Control-Request-Method": "GET"})
    assert ok.headers["Access-Control-Allow-Origin"] == allowed
    evil = client.get("/api/activities/home", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in evil.headers


@pytest.mark.parametrize("hops, expected", [(0, "10.0.5.1"), (1, "198.51.100.4"), (2, "192.0.2.77")])
def test_proxy_hops_decide_which_address_is_the_client(new_database_url, app_factory, hops, expected):
    app = app_factory(new_database_url("sqlite"), PROXY_HOPS=hops)
    seen = []
    app.after_request(lambda response: seen.append(__import__("flask").request.remote_addr) or response)
    app.test_client().get("/api/health-check", environ_base={"REMOTE_ADDR": "10.0.5.1"},
                          headers={"X-Forwarded-For": "192.0.2.77, 198.51.100.4"})
    with app.app_context():
        db.engine.dispose()
    assert seen == [expected]


@pytest.mark.parametrize("value", ["-1", "one", "11", "1.5"])
def test_a_bad_proxy_hops_value_fails_at_start_up(value):
    from cruddur.config import Config

    with pytest.raises(RuntimeError, match="CRUDDUR_PROXY_HOPS"):
        Config({"CRUDDUR_PROXY_HOPS": value, "SECRET_KEY": "x"})


def test_an_unreachable_redis_fails_no_request_and_warns_once(new_database_url, app_factory, caplog):
    from testkit.net import free_port

    app = app_factory(new_database_url("sqlite"), RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0",
                      SIGNIN_LIMIT_PER_ACCOUNT="2/minute")
    try:
        with caplog.at_level("WARNING"):
            statuses = [signin(app, "bayko", "wrong", "10.0.6.1").status_code for _ in range(4)]
            home = app.test_client().get("/api/activities/home")
    finally:
        with app.app_context():
            db.engine.dispose()
    # Counted in memory while Redis is away: the limit still holds, nothing fails.
    assert statuses == [401, 401, 429, 429] and home.status_code == 200
    assert sum("storage unreachable" in r.getMessage() for r in caplog.records) == 1


def test_an_unknown_limit_storage_stops_start_up_with_one_line(new_database_url, app_factory):
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        app_factory(new_database_url("sqlite"), RATELIMIT_STORAGE_URI="carrier-pigeon://coop")
