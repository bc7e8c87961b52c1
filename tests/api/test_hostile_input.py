"""Input crafted by hand, on SQLite and PostgreSQL: text that is not text, cursors the server did not
issue, a forged Host, invisible messages, look-alike mentions, replies to replies, search in any
script, tokens on public routes, and bounded feeds."""
import base64
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cruddur.db import db, utcnow
from cruddur.models import Activity, User
from testkit.auth import DEMO_PASSWORD
from testkit.errors import error_codes

SURROGATE_BODIES = [
    '{"message": "\\ud800", "ttl": "1-day"}',
    '{"message": "ok \\udfff", "ttl": "1-day"}',
    '{"message": "ok", "ttl": "1-day", "\\ud800": 1}',
    '{"message": "ok", "ttl": "1-day", "extra": [{"deep": ["\\udbff"]}]}',
]


def test_a_lone_surrogate_anywhere_in_a_body_is_400(client, andrew, anon):
    parent = anon.get("/api/activities/home").get_json()[0]["uuid"]
    for path in ("/api/activities", "/api/messages", "/api/auth/signup", "/api/auth/signin",
                 f"/api/activities/{parent}/reply"):
        headers = {"Content-Type": "application/json", **({} if "auth" in path else andrew.headers())}
        for body in SURROGATE_BODIES:
            response = client.post(path, data=body, headers=headers)
            assert (response.status_code, error_codes(response)) == (400, ["body_invalid_text"]), \
                (path, body)
    assert len(anon.get("/api/activities/home").get_json()) == 6


def test_a_valid_surrogate_pair_is_text(andrew):
    response = andrew.client.post("/api/activities", data='{"message": "\\ud83d\\ude00 grin", "ttl": "1-day"}',
                                  headers={**andrew.headers(), "Content-Type": "application/json"})
    assert response.status_code == 201 and response.get_json()["message"] == "\U0001F600 grin"


def _b64(raw):
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


FORGED = [
    _b64('["2026-01-01T00:00:00+00:00", true]'),
    _b64('["2026-01-01T00:00:00+00:00", 99999999999999999999]'),
    _b64('["2026-01-01T00:00:00+00:00", 2147483648]'),
    _b64('["9999-12-31T23:59:59-14:00", 1]'),
    _b64('["0001-01-01T00:00:00+14:00", 1]'),
    _b64('[' * 5000 + ']' * 5000),
    _b64('{"a": 1}'),
    _b64('["2026-01-01T00:00:00+00:00", 5]'),  # the old, unsigned shape: well formed but not issued
    _b64('["2026-01-01T00:00:00+00:00", 5]') + ".AAAA",
    "x" * 5000,
    "%ff",
    "\u00e9",
]


@pytest.mark.parametrize("path,args", [("/api/activities/home", {}), ("/api/activities/search", {"term": "cloud"}),
                                       ("/api/activities/@andrewbrown", {}), ("/api/message_groups", {}),
                                       ("/api/activities/notifications", {})])
def test_cursors_the_server_did_not_issue_are_400(andrew, path, args):
    for cursor in FORGED:
        response = andrew.client.get(path, query_string={**args, "cursor": cursor}, headers=andrew.headers())
        assert (response.status_code, error_codes(response)) == (400, ["cursor_invalid"]), cursor


def _next(response):
    link = response.headers["Link"]
    return link[1:link.index(">")]


def test_a_cursor_is_for_the_list_that_issued_it(anon, andrew):
    for n in range(3):
        andrew.post("/api/activities", {"message": f"cursor {n}", "ttl": "1-day"})
    first = anon.get("/api/activities/home?limit=2")
    cursor = _next(first).split("cursor=")[1]
    assert anon.get(f"/api/activities/home?limit=2&cursor={cursor}").status_code == 200
    other = anon.get(f"/api/activities/@andrewbrown?limit=2&cursor={cursor}")
    assert (other.status_code, error_codes(other)) == (400, ["cursor_invalid"])
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    assert anon.get(f"/api/activities/home?limit=2&cursor={tampered}").status_code == 400


def test_links_come_from_backend_url_not_the_host_header(anon):
    response = anon.client.get("/api/activities/home?limit=1", headers={"Host": "evil.example"})
    assert _next(response).startswith("http://localhost:4567/api/activities/home?")
    assert "evil.example" not in response.headers["Link"]


INVISIBLE = ["\u200b", "\u200b\u200c\u200d", "\ufeff", "\u3000", "\u2060", "\u00a0\u2007", "\u180e", "\u3164",
             " \u200b\n\u2028\u2029 ", "\u202e\u200f"]


def test_invisible_only_text_is_blank(andrew, anon):
    parent = anon.get("/api/activities/home").get_json()[0]["uuid"]
    for text in INVISIBLE:
        _assert_blank(andrew, anon, parent, text)


def _assert_blank(andrew, anon, parent, text):
    for path, body in (("/api/activities", {"message": text, "ttl": "1-day"}),
                       (f"/api/activities/{parent}/reply", {"message": text}),
                       ("/api/messages", {"handle": "bayko", "message": text})):
        response = andrew.post(path, body)
        assert (response.status_code, error_codes(response)) == (422, ["message_blank"]), path
    assert error_codes(anon.get("/api/activities/search", query_string={"term": text})) == ["search_term_blank"]
    assert andrew.post("/api/activities", {"message": text + "x", "ttl": "1-day"}).status_code == 201


def test_mentions_match_whole_handles_only(sign_in):
    worf, bayko = sign_in("worf"), sign_in("bayko")
    for message in ("hello @baykofan", "write to me@bayko.example", "@bayko_2 is someone else", "@baykoX"):
        worf.post("/api/activities", {"message": message, "ttl": "1-day"})
    hits = [worf.post("/api/activities", {"message": m, "ttl": "1-day"}).get_json()["uuid"]
            for m in ("@bayko", "hi @Bayko!", "(@bayko)", "cc @bayko, @londo")]
    mentioned = {a["uuid"] for a in bayko.get("/api/activities/notifications?limit=100").get_json()}
    assert set(hits) <= mentioned
    messages = {a["message"] for a in bayko.get("/api/activities/notifications?limit=100").get_json()}
    assert not messages & {"hello @baykofan", "write to me@bayko.example", "@bayko_2 is someone else", "@baykoX"}


def test_a_reply_to_a_reply_is_422_and_changes_nothing(andrew, anon):
    parent = anon.get("/api/activities/home").get_json()[0]
    reply = andrew.post(f"/api/activities/{parent['uuid']}/reply", {"message": "first"}).get_json()
    response = andrew.post(f"/api/activities/{reply['uuid']}/reply", {"message": "nested"})
    assert (response.status_code, error_codes(response)) == (422, ["reply_to_reply"])
    shown = anon.get(f"/api/activities/@{reply['handle']}/status/{reply['uuid']}").get_json()
    assert shown["activity"]["replies_count"] == 0 and shown["replies"] == []


SCRIPTS = [("Émile est là", "émile"), ("émile est là", "ÉMILE"), ("Straße in Köln", "STRASSE"),
           ("ΣΟΦΙΑ", "σοφια"), ("Привет МИР", "мир"), ("e\u0301mile decomposed", "émile")]


def test_search_is_case_insensitive_for_any_script(andrew, anon):
    for stored, term in SCRIPTS:
        posted = andrew.post("/api/activities", {"message": stored, "ttl": "1-day"}).get_json()
        found = anon.get("/api/activities/search", query_string={"term": term}).get_json()
        assert posted["uuid"] in [a["uuid"] for a in found], (stored, term)


def test_search_still_treats_wildcards_literally(andrew, anon):
    andrew.post("/api/activities", {"message": "100% Émile_x", "ttl": "1-day"})
    assert len(anon.get("/api/activities/search", query_string={"term": "0% émile_"}).get_json()) == 1
    assert anon.get("/api/activities/search", query_string={"term": "100_"}).get_json() == []


def test_search_is_served_by_an_index_on_postgresql(api_app):
    with api_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has no index for '%term%'; it reads ix_activities_created in order")
        connection = db.session.connection()
        connection.exec_driver_sql("SET enable_seqscan = off")
        try:
            plan = "\n".join(r[0] for r in connection.exec_driver_sql(
                "EXPLAIN SELECT id FROM activities WHERE message_folded LIKE '%%emile%%'").all())
        finally:
            connection.exec_driver_sql("RESET enable_seqscan")
        assert "ix_activities_message_folded_trgm" in plan, plan


def test_an_invalid_token_is_401_on_every_route_that_takes_one(client, anon):
    crud = next(a for a in anon.get("/api/activities/home").get_json() if a["handle"] == "andrewbrown")
    for path in ("/api/activities/home", "/api/activities/search?term=cloud", "/api/activities/@andrewbrown",
                 "/api/users/@andrewbrown/short", f"/api/activities/@andrewbrown/status/{crud['uuid']}",
                 "/api/health-check"):
        assert client.get(path).status_code == 200
        for header in ("Bearer junk", "Basic abc"):
            response = client.get(path, headers={"Authorization": header})
            assert (response.status_code, error_codes(response)) == (401, ["token_invalid"]), path


def test_sign_in_and_sign_up_ignore_a_stale_token(client):
    stale = {"Authorization": "Bearer expired.or.junk"}
    assert client.post("/api/auth/signin", json={"login": "bayko", "password": DEMO_PASSWORD},
                       headers=stale).status_code == 200
    assert client.post("/api/auth/signup", json={"handle": "stale", "display_name": "S", "email": "s@e.example",
                                                 "password": "long-enough"}, headers=stale).status_code == 201


def test_sign_up_hashes_the_password_whatever_it_answers(anon, monkeypatch):
    from cruddur.services import signup

    calls = []
    real = signup.hash_password
    monkeypatch.setattr(signup, "hash_password", lambda p: calls.append(p) or real(p))
    taken = anon.post("/api/auth/signup", {"handle": "bayko", "display_name": "B", "email": "new@e.example",
                                           "password": "password-1"})
    assert taken.status_code == 422 and error_codes(taken) == ["handle_taken"]
    created = anon.post("/api/auth/signup", {"handle": "fresh", "display_name": "F", "email": "fresh@e.example",
                                             "password": "password-2"})
    assert created.status_code == 201
    assert calls == ["password-1", "password-2"]


def _add_replies(api_app, crud_uuid, count):
    with api_app.app_context():
        crud = db.session.scalar(select(Activity).where(Activity.uuid == crud_uuid))
        worf = db.session.scalar(select(User).where(User.handle == "worf"))
        start = utcnow() - timedelta(minutes=1)
        db.session.add_all([Activity(user=worf, message=f"reply {n} " + "w" * 200, parent=crud,
                                     created_at=start + timedelta(milliseconds=n), expires_at=crud.expires_at)
                            for n in range(count)])
        crud.replies_count += count
        db.session.commit()


def test_a_crud_with_many_replies_keeps_the_feed_page_small(api_app, andrew, anon):
    crud = andrew.post("/api/activities", {"message": "popular", "ttl": "1-day"}).get_json()
    small = len(anon.get("/api/activities/home?limit=1").data)
    _add_replies(api_app, crud["uuid"], 250)
    page = anon.get("/api/activities/home?limit=1")
    [item] = page.get_json()
    assert item["uuid"] == crud["uuid"] and item["replies_count"] == 250
    assert [r["message"].split()[1] for r in item["replies"]] == ["247", "248", "249"]  # latest, oldest first
    assert len(page.data) < small + 3 * 1024  # three inlined replies of ~0.5 KB, whatever the count
    for feed in ("/api/activities/@andrewbrown?limit=1", "/api/activities/search?term=popular"):
        [item] = (lambda b: b["activities"] if isinstance(b, dict) else b)(anon.get(feed).get_json())
        assert len(item["replies"]) == 3 and item["replies_count"] == 250


def test_the_status_page_pages_through_every_reply(api_app, andrew, anon):
    crud = andrew.post("/api/activities", {"message": "thread", "ttl": "1-day"}).get_json()
    _add_replies(api_app, crud["uuid"], 45)
    url, seen, pages = f"/api/activities/@andrewbrown/status/{crud['uuid']}", [], 0
    while url:
        response = anon.get(url)
        body = response.get_json()
        assert body["activity"]["uuid"] == crud["uuid"] and "replies" not in body["activity"]
        seen += [r["message"].split()[1] for r in body["replies"]]
        pages += 1
        url = _next(response).replace("http://localhost:4567", "") if "Link" in response.headers else None
    assert seen == [str(n) for n in range(45)] and pages == 3  # oldest first, 20 a page


def test_parallel_groups_are_one_per_pair(api_app):
    """The database refuses a second conversation for a pair, whoever writes it."""
    from sqlalchemy.exc import IntegrityError

    from cruddur.models import MessageGroup, MessageGroupPair

    with api_app.app_context():
        low, high = sorted(db.session.scalars(select(User.id).where(User.handle.in_(["andrewbrown", "bayko"]))))
        group = MessageGroup(created_at=utcnow(), updated_at=utcnow())
        db.session.add(group)
        db.session.flush()
        db.session.add(MessageGroupPair(user_low_id=low, user_high_id=high, message_group_id=group.id))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(MessageGroupPair)) == 1


def test_a_first_message_to_an_existing_pair_joins_its_conversation(sign_in):
    bayko, andrew = sign_in("bayko"), sign_in("andrewbrown")
    [seeded] = andrew.get("/api/message_groups").get_json()
    sent = bayko.post("/api/messages", {"handle": "andrewbrown", "message": "again"}).get_json()
    assert sent["message_group_uuid"] == seeded["uuid"]
    assert len(andrew.get("/api/message_groups").get_json()) == 1
