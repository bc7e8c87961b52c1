"""Every private route, called with another user's token: garek is in no conversation and is
mentioned by nobody, so nothing of andrewbrown's or bayko's may reach him, and whatever he posts
is posted as garek. No response anywhere carries an email or a password hash."""
import pytest
from sqlalchemy import select

from cruddur import openapi
from cruddur.db import db
from cruddur.models import User
from testkit.auth import DEMO_PASSWORD
from testkit.errors import error_codes


@pytest.fixture
def andrew(sign_in):
    return sign_in("andrewbrown")


@pytest.fixture
def garek(sign_in):
    return sign_in("garek")


@pytest.fixture
def group_uuid(andrew):
    [group] = [g for g in andrew.get("/api/message_groups").get_json() if g["handle"] == "bayko"]
    return group["uuid"]


def check_notifications(andrew, garek, group_uuid):
    mine = andrew.get("/api/activities/notifications").get_json()
    assert any("@andrewbrown" in a["message"] for a in mine)
    theirs = garek.get("/api/activities/notifications")
    assert theirs.status_code == 200
    assert all(a["handle"] != "garek" for a in theirs.get_json())
    assert not {a["uuid"] for a in mine} & {a["uuid"] for a in theirs.get_json()}


def check_message_groups(andrew, garek, group_uuid):
    assert group_uuid not in {g["uuid"] for g in garek.get("/api/message_groups").get_json()}


def check_conversation(andrew, garek, group_uuid):
    response = garek.get(f"/api/messages/{group_uuid}")
    assert response.status_code == 404
    assert error_codes(response) == ["message_group_not_found"]
    assert andrew.get(f"/api/messages/{group_uuid}").status_code == 200


def check_send(andrew, garek, group_uuid):
    before = andrew.get(f"/api/messages/{group_uuid}?limit=100").get_json()
    intrusion = garek.post("/api/messages", {"message_group_uuid": group_uuid, "message": "let me in"})
    assert intrusion.status_code == 404
    assert andrew.get(f"/api/messages/{group_uuid}?limit=100").get_json() == before
    # Writing to bayko by handle opens garek's own conversation, never andrew's.
    own = garek.post("/api/messages", {"handle": "bayko", "message": "hello", "user": "andrewbrown"})
    assert own.status_code == 201
    assert own.get_json()["message_group_uuid"] != group_uuid and own.get_json()["handle"] == "garek"


def check_create(andrew, garek, group_uuid):
    me = andrew.get("/api/users/@andrewbrown/short").get_json()
    response = garek.post("/api/activities", {"message": "posted as whom?", "ttl": "1-hour",
                                              "handle": "andrewbrown", "user_uuid": me["uuid"]})
    assert response.status_code == 201 and response.get_json()["handle"] == "garek"


def check_reply(andrew, garek, group_uuid):
    crud = andrew.get("/api/activities/@andrewbrown").get_json()["activities"][0]
    response = garek.post(f"/api/activities/{crud['uuid']}/reply", {"message": "a reply", "handle": "andrewbrown"})
    assert response.status_code == 201 and response.get_json()["handle"] == "garek"


CASES = {
    "activities.notifications": check_notifications,
    "activities.create": check_create,
    "activities.reply": check_reply,
    "messages.groups": check_message_groups,
    "messages.conversation": check_conversation,
    "messages.send": check_send,
}


def test_every_private_route_has_a_case(seeded_app):
    operations = openapi.operations(seeded_app)
    assert set(CASES) == {endpoint for endpoint, (_, auth) in operations.items() if auth == "required"}


@pytest.mark.parametrize("endpoint", CASES)
def test_private_route_with_another_users_token(endpoint, andrew, garek, group_uuid):
    CASES[endpoint](andrew, garek, group_uuid)


def test_no_response_carries_an_email_or_a_password_hash(seeded_app, client, sign_in, group_uuid):
    with seeded_app.app_context():
        emails = set(db.session.scalars(select(User.email)))
    assert emails
    crud = client.get("/api/activities/home").get_json()[0]
    paths = ["/api/activities/home", "/api/activities/notifications", "/api/activities/search?term=cloud",
             "/api/activities/@andrewbrown", f"/api/activities/@{crud['handle']}/status/{crud['uuid']}",
             "/api/users/@bayko/short", "/api/message_groups", f"/api/messages/{group_uuid}"]
    signup = client.post("/api/auth/signup", json={"handle": "quark", "display_name": "Quark",
                                                   "email": "quark@ferenginar.example", "password": "latinum-bars"})
    bodies = [signup.get_data(as_text=True)]
    for who in ("andrewbrown", "bayko", "quark"):
        api = sign_in(who, "latinum-bars" if who == "quark" else DEMO_PASSWORD)
        bodies += [api.get(path).get_data(as_text=True) for path in paths]
        bodies.append(api.post("/api/activities", {"message": "hi", "ttl": "1-hour"}).get_data(as_text=True))
    for body in bodies:
        assert not any(email in body for email in emails | {"quark@ferenginar.example"})
        assert "argon2" not in body and "password" not in body
