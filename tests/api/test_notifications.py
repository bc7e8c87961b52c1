"""Notifications are rows written with each activity (migration 0007): a reply notifies the crud's
author, a mention notifies each mentioned user, never the activity's own author. The feed reads the
caller's rows, newest first, live activities only, a page at a time."""
import re
import threading
from datetime import timedelta

from flask_migrate import upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from cruddur import create_app
from cruddur.db import db, utcnow
from cruddur.models import mentioned_handles
from testkit.app import make_app

HANDLE = st.from_regex(r"[a-z0-9_]{3,30}", fullmatch=True)
AROUND = st.text(st.sampled_from("aZ09_@.- \n!é"), max_size=4)


def _as_before(handle):
    """How notifications matched a mention before they were rows: a regular expression per handle."""
    return re.compile(rf"(?i)(^|[^a-z0-9_])@{re.escape(handle)}($|[^a-z0-9_])")


@settings(max_examples=300, deadline=None)
@given(handle=HANDLE, before=AROUND, after=AROUND, case=st.booleans())
def test_a_mention_is_found_exactly_where_the_regular_expression_found_it(handle, before, after, case):
    message = f"{before}@{handle.upper() if case else handle}{after}"
    assert (handle in mentioned_handles(message)) == bool(_as_before(handle).search(message)), message


def _handles(api):
    return [n["handle"] for n in api.get("/api/activities/notifications").get_json()]


def test_replies_and_mentions_notify_others_once_each(andrew, sign_in):
    bayko, garek = sign_in("bayko"), sign_in("garek")
    before = _handles(bayko)
    crud = bayko.post("/api/activities", {"message": "Compose is up", "ttl": "1-day"}).get_json()
    # A reply that also mentions the crud's author: one notification, not two.
    garek.post(f"/api/activities/{crud['uuid']}/reply", {"message": "@bayko @BAYKO nice, @andrewbrown look"})
    andrew.post(f"/api/activities/{crud['uuid']}/reply", {"message": "@nobody_here agreed, says @andrewbrown"})
    bayko.post(f"/api/activities/{crud['uuid']}/reply", {"message": "thanks, @bayko"})  # own reply: nothing
    assert _handles(bayko) == ["andrewbrown", "garek", *before]
    assert _handles(andrew)[0] == "garek"  # mentioned by garek; andrew's own mention of himself is not news


def test_an_expired_crud_takes_its_notifications_with_it(andrew, sign_in, expire):
    bayko = sign_in("bayko")
    crud = andrew.post("/api/activities", {"message": "short-lived", "ttl": "1-hour"}).get_json()
    reply = bayko.post(f"/api/activities/{crud['uuid']}/reply", {"message": "seen it"}).get_json()
    assert reply["uuid"] in [n["uuid"] for n in andrew.get("/api/activities/notifications").get_json()]
    expire(crud["uuid"])
    assert reply["uuid"] not in [n["uuid"] for n in andrew.get("/api/activities/notifications").get_json()]


def test_notification_pages_follow_link_headers_without_gaps(andrew, sign_in):
    garek = sign_in("garek")
    posted = [garek.post("/api/activities", {"message": f"@andrewbrown page {n}", "ttl": "1-day"}).get_json()["uuid"]
              for n in range(7)]
    seen, url = [], "/api/activities/notifications?limit=3"
    while url:
        response = andrew.get(url)
        seen += [a["uuid"] for a in response.get_json()]
        link = response.headers.get("Link")
        url = link[link.index("/api/"):link.index(">")] if link else None
    assert seen[:7] == posted[::-1] and len(seen) == len(set(seen))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writers=st.integers(2, 6))
def test_concurrent_replies_each_notify(api_app, writers):
    """Replies written at once by several connections: each one's notification is there, once."""
    with api_app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
        andrew_id, garek_id = (db.session.scalar(text("SELECT id FROM users WHERE handle = :h"), {"h": h})
                               for h in ("andrewbrown", "garek"))
        db.session.remove()
    racer_app = make_app(url, seed=False)
    client = racer_app.test_client()
    from testkit.auth import bearer, sign_in

    token = sign_in("garek", http=client)
    andrew_token = sign_in("andrewbrown", http=client)
    crud = client.post("/api/activities", json={"message": "race me", "ttl": "1-day"},
                       headers=bearer(andrew_token)).get_json()
    barrier, answers = threading.Barrier(writers), []

    def reply(n):
        local = racer_app.test_client()
        barrier.wait()
        answers.append(local.post(f"/api/activities/{crud['uuid']}/reply", json={"message": f"racing {n}"},
                                  headers=bearer(token)).status_code)

    threads = [threading.Thread(target=reply, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT n.user_id FROM notifications n JOIN activities a ON a.id = n.activity_id "
                "WHERE a.reply_to_activity_id = (SELECT id FROM activities WHERE uuid = :u)"),
                {"u": crud["uuid"]}).all()
    finally:
        engine.dispose()
        with racer_app.app_context():
            db.engine.dispose()
    written = answers.count(201)
    assert written >= 1 and set(answers) <= {201, 503}, answers  # SQLite may be busy past its wait: 503
    assert [r.user_id for r in rows] == [andrew_id] * written and garek_id != andrew_id


def test_migration_0007_writes_the_notifications_of_existing_rows(new_database_url, database_url):
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database_url(kind)})
    with app.app_context():
        upgrade(revision="0006")
        now = utcnow()
        db.session.execute(text(
            "INSERT INTO users (id, uuid, handle, display_name, email, password_hash, created_at) VALUES "
            "(1, 'u1', 'ann', 'Ann', 'a@x.example', 'h', :now), (2, 'u2', 'bob', 'Bob', 'b@x.example', 'h', :now),"
            "(3, 'u3', 'cyd', 'Cyd', 'c@x.example', 'h', :now)"), {"now": now})
        rows = [(1, 1, "crud by ann, hi @bob and @ann and @nobody", None), (2, 2, "reply by bob to ann", 1),
                (3, 1, "ann answers herself", 1), (4, 3, "cyd: @BOB, @bob!", 1)]
        for row_id, user_id, message, parent in rows:
            db.session.execute(text(
                "INSERT INTO activities (id, uuid, user_id, message, message_folded, likes_count, replies_count, "
                "reposts_count, reply_to_activity_id, created_at, expires_at) "
                "VALUES (:id, :uuid, :user, :message, :folded, 0, 0, 0, :parent, :created, :expires)"),
                {"id": row_id, "uuid": f"a{row_id}", "user": user_id, "message": message, "folded": message.lower(),
                 "parent": parent,
                 "created": now + timedelta(seconds=row_id), "expires": now + timedelta(days=1)})
        db.session.commit()
        upgrade()
        found = sorted(map(tuple, db.session.execute(text("SELECT user_id, activity_id FROM notifications")).all()))
        db.session.remove()
        db.engine.dispose()
    # ann's crud mentions bob; bob's reply and cyd's reply (mentioning bob too) notify ann and bob.
    assert found == [(1, 2), (1, 4), (2, 1), (2, 4)]
