"""Every validation rule, with the exact error codes; bad bodies lose nothing."""
import pytest

from testkit.errors import error_codes

LONG_CRUD = "x" * 281
LONG_REPLY = "y" * 1025


@pytest.mark.parametrize("body,codes", [
    ({"message": "", "ttl": "7-days"}, ["message_blank"]),
    ({"message": "   \n ", "ttl": "7-days"}, ["message_blank"]),
    ({"ttl": "7-days"}, ["message_blank"]),
    ({"message": LONG_CRUD, "ttl": "7-days"}, ["message_exceed_max_chars"]),
    ({"message": "hi", "ttl": "2-days"}, ["ttl_invalid"]),
    ({"message": "hi"}, ["ttl_invalid"]),
    ({"message": "", "ttl": "forever"}, ["message_blank", "ttl_invalid"]),
    ({"message": LONG_CRUD, "ttl": ""}, ["message_exceed_max_chars", "ttl_invalid"]),
])
def test_create_activity_rules(andrew, anon, body, codes):
    response = andrew.post("/api/activities", body)
    assert response.status_code == 422
    assert error_codes(response) == codes
    assert len(anon.get("/api/activities/home").get_json()) == 6


@pytest.mark.parametrize("ttl", ["30-days", "7-days", "3-days", "1-day", "12-hours", "3-hours", "1-hour"])
def test_every_ttl_is_accepted(andrew, ttl):
    assert andrew.post("/api/activities", {"message": "ok", "ttl": ttl}).status_code == 201


def test_280_characters_are_allowed_and_counted_as_characters(andrew):
    assert andrew.post("/api/activities", {"message": "é" * 280, "ttl": "1-day"}).status_code == 201


@pytest.mark.parametrize("message,codes", [("", ["message_blank"]), (LONG_REPLY, ["message_exceed_max_chars"])])
def test_reply_rules(andrew, anon, message, codes):
    parent = anon.get("/api/activities/home").get_json()[0]
    response = andrew.post(f"/api/activities/{parent['uuid']}/reply", {"message": message})
    assert (response.status_code, error_codes(response)) == (422, codes)
    assert andrew.post(f"/api/activities/{parent['uuid']}/reply", {"message": "z" * 1024}).status_code == 201


@pytest.mark.parametrize("body,codes", [
    ({"handle": "bayko", "message": ""}, ["message_blank"]),
    ({"handle": "bayko", "message": LONG_REPLY}, ["message_exceed_max_chars"]),
    ({"message": "to whom?"}, ["recipient_required"]),
    ({"handle": "andrewbrown", "message": "me, myself"}, ["handle_is_self"]),
])
def test_message_rules(andrew, body, codes):
    response = andrew.post("/api/messages", body)
    assert (response.status_code, error_codes(response)) == (422, codes)


@pytest.mark.parametrize("body,codes", [
    ({}, ["handle_blank", "display_name_blank", "email_blank", "password_too_short"]),
    ({"handle": "no spaces", "display_name": "x", "email": "x@y.example", "password": "longenough"},
     ["handle_invalid"]),
    ({"handle": "ab", "display_name": "d" * 81, "email": "not-an-email", "password": "short"},
     ["handle_invalid", "display_name_exceed_max_chars", "email_invalid", "password_too_short"]),
])
def test_signup_rules(anon, body, codes):
    response = anon.post("/api/auth/signup", body)
    assert (response.status_code, error_codes(response)) == (422, codes)


def test_signin_rules(anon):
    response = anon.post("/api/auth/signin", {})
    assert (response.status_code, error_codes(response)) == (422, ["login_blank", "password_blank"])


@pytest.mark.parametrize("body,code", [
    ({"message": 5, "ttl": "1-day"}, "message_invalid_type"),
    ({"message": "hi", "ttl": ["1-day"]}, "ttl_invalid_type"),
    ({"message": None, "ttl": "1-day"}, "message_invalid_type"),
])
def test_wrong_types_are_400(andrew, body, code):
    response = andrew.post("/api/activities", body)
    assert (response.status_code, error_codes(response)) == (400, [code])


@pytest.mark.parametrize("data,content_type,code", [
    ('{"message": "unterminated', "application/json", "body_invalid_json"),
    ('["a", "list"]', "application/json", "body_not_object"),
    ("message=hi", "application/x-www-form-urlencoded", "body_invalid_json"),
])
def test_malformed_bodies_are_400(andrew, data, content_type, code):
    response = andrew.client.post("/api/activities", data=data, content_type=content_type,
                                  headers={"Authorization": f"Bearer {andrew.token}"})
    assert (response.status_code, error_codes(response)) == (400, [code])


def test_oversized_body_is_413(andrew):
    response = andrew.post("/api/activities", {"message": "x" * 100_000, "ttl": "1-day"})
    assert (response.status_code, error_codes(response)) == (413, ["request_entity_too_large"])


def test_search_term_rules(anon):
    assert error_codes(anon.get("/api/activities/search?term=%20")) == ["search_term_blank"]
    assert anon.get("/api/activities/search").status_code == 422
    for term in ("ab", "...", "a b c d", "_ab_", "%25%25%25"):
        response = anon.get(f"/api/activities/search?term={term}")
        assert (response.status_code, error_codes(response)) == (422, ["search_term_too_short"]), term
    for term in ("abc", "a1b2c3", "ÉMI", "東京都", "x-100-y"):
        assert anon.get(f"/api/activities/search?term={term}").status_code == 200, term
    response = anon.get("/api/activities/search?term=" + "q" * 101)
    assert (response.status_code, error_codes(response)) == (422, ["search_term_exceed_max_chars"])


def test_wrong_method_is_a_json_405(anon):
    response = anon.client.delete("/api/activities/home")
    assert response.status_code == 405 and error_codes(response) == ["method_not_allowed"]
