"""Each feed answers in the same number of SQL statements with a few or many activities, replies,
conversations or messages on the page: no query per row (N+1)."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from cruddur.db import db, utcnow
from cruddur.models import Activity, Message, MessageGroup, MessageGroupMember, User
from cruddur.services.activity_queries import notify

REPLIERS = ("worf", "garek", "bayko")


def _user(handle):
    return db.session.scalar(select(User).where(User.handle == handle))


def add_cruds(count, replies_each, minutes_ago=0):
    """Cruds by andrewbrown that match the search term, each with replies by others; returns uuids."""
    now = utcnow() - timedelta(minutes=minutes_ago)
    andrew, repliers = _user("andrewbrown"), [_user(h) for h in REPLIERS]
    cruds = []
    for n in range(count):
        crud = Activity(user=andrew, message=f"Cloud crud {n}", created_at=now - timedelta(seconds=count - n),
                        expires_at=now + timedelta(days=7), replies_count=replies_each)
        db.session.add(crud)
        db.session.flush()
        for r in range(replies_each):
            reply = Activity(user=repliers[r % len(repliers)], message=f"cloud reply {r}", parent=crud,
                             created_at=crud.created_at + timedelta(milliseconds=r + 1), expires_at=crud.expires_at)
            db.session.add(reply)
            db.session.flush()
            notify(reply, parent_author_id=andrew.id)  # as create_reply does
        cruds.append(crud)
    db.session.commit()
    return [c.uuid for c in cruds]


def add_conversations(count, messages_each):
    """Conversations between andrewbrown and new users, the newest activity first."""
    andrew = _user("andrewbrown")
    now = utcnow()
    for n in range(count):
        friend = User(handle=f"friend{n}", display_name=f"Friend {n}", email=f"friend{n}@cruddur.example",
                      password_hash="unused")
        group = MessageGroup(created_at=now, updated_at=now + timedelta(seconds=n))
        db.session.add_all([friend, group])
        db.session.flush()
        db.session.add_all([MessageGroupMember(message_group_id=group.id, user_id=u.id) for u in (andrew, friend)])
        for m in range(messages_each):
            db.session.add(Message(message_group_id=group.id, user=(andrew, friend)[m % 2], message=f"hello {m}",
                                   created_at=now + timedelta(milliseconds=m)))
    db.session.commit()


def add_messages(group_uuid, count):
    group = db.session.scalar(select(MessageGroup).where(MessageGroup.uuid == group_uuid))
    andrew, bayko = _user("andrewbrown"), _user("bayko")
    start = utcnow()
    for m in range(count):
        db.session.add(Message(message_group_id=group.id, user=(andrew, bayko)[m % 2], message=f"more {m}",
                               created_at=start + timedelta(milliseconds=m)))
    db.session.commit()


def few():
    """Beside the demo data: one matching crud with one reply, so every kind of row is on each page."""
    [crud] = add_cruds(1, 1, minutes_ago=1)
    return {"show": crud}


def many(state):
    """Thirty cruds with three replies each, a crud with thirty replies, conversations and messages."""
    add_cruds(30, 3)
    [crowded] = add_cruds(1, 30)
    add_conversations(25, 2)
    add_messages(state["group"], 40)
    return {**state, "show": crowded}


ROUTES = {
    "home": lambda s: "/api/activities/home",
    "user_feed": lambda s: "/api/activities/@andrewbrown",
    "search": lambda s: "/api/activities/search?term=cloud",
    "notifications": lambda s: "/api/activities/notifications",
    "show": lambda s: f"/api/activities/@andrewbrown/status/{s['show']}",
    "message_groups": lambda s: "/api/message_groups",
    "messages": lambda s: f"/api/messages/{s['group']}",
}


@pytest.fixture
def statements(api_app):
    """The SQL statements sent while the returned list is being recorded into."""
    recorded = []

    def record(conn, cursor, statement, parameters, context, executemany):
        recorded.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield recorded
    event.remove(engine, "before_cursor_execute", record)


def _get(api, path, statements):
    api.get(path)  # warm: the first request may open a connection
    statements.clear()
    response = api.get(path)
    assert response.status_code == 200, response.get_json()
    return len(statements), json.dumps(response.get_json()).count('"uuid"')


@pytest.mark.parametrize("route", ROUTES)
def test_statement_count_does_not_grow_with_the_page(route, andrew, statements):
    state = {"group": andrew.get("/api/message_groups").get_json()[0]["uuid"], **few()}
    count_few, rows_few = _get(andrew, ROUTES[route](state), statements)
    state = many(state)
    count_many, rows_many = _get(andrew, ROUTES[route](state), statements)

    assert rows_many > 2 * rows_few, "the second page should carry many more rows"
    assert count_many == count_few, (
        f"{route}: {count_few} statements with {rows_few} rows on the page, {count_many} with {rows_many}")


@pytest.mark.parametrize("route", ["home", "user_feed", "search"])
def test_sqlite_reads_a_feed_page_in_index_order(route, andrew):
    """The page query walks an index in feed order: no sort of every live crud (a temp B-tree),
    which is what made a busy user's profile grow with their number of cruds."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans from statistics, which a small test database does not have")
    add_cruds(30, 1)
    pages = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "ORDER BY activities.created_at DESC" in statement or "AS latest" in statement:
            pages.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert andrew.get(ROUTES[route]({})).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    (statement, parameters), *replies = pages  # the page, then its latest replies
    plan = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    steps = [row[-1] for row in plan]
    assert not any("TEMP B-TREE" in step for step in steps), steps
    assert any("USING INDEX ix_activities_" in step for step in steps), steps
    # The page's latest replies: per crud (found by its key), one short range of ix_activities_feed,
    # and each reply by its key; never a scan.
    [(statement, parameters)] = [r for r in replies if "AS latest" in r[0]]
    plan = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    steps = [row[-1] for row in plan]
    assert not any(step.startswith("SCAN") for step in steps), steps
    assert any(step.startswith("SEARCH latest USING INDEX ix_activities_feed") for step in steps), steps
    assert any(step.startswith("SEARCH reply_parent USING INTEGER PRIMARY KEY") for step in steps), steps
    assert any(step.startswith("CORRELATED LIST SUBQUERY") for step in steps), steps


def test_likely_is_a_sqlite_planner_hint_and_keeps_statements_cacheable():
    from sqlalchemy.dialects import postgresql, sqlite

    from cruddur.db import likely

    def statement(hours):
        return select(Activity.id).where(likely(Activity.expires_at > utcnow() + timedelta(hours=hours)))

    assert "likely(activities.expires_at > ?)" in str(statement(0).compile(dialect=sqlite.dialect()))
    assert "WHERE activities.expires_at > %(expires_at_1)s" in str(statement(0).compile(dialect=postgresql.dialect()))
    # Cached like any other statement, and each execution still binds its own time.
    first, second = statement(0)._generate_cache_key(), statement(5)._generate_cache_key()
    assert first is not None and first == second
    [bound] = second.bindparams
    assert bound.value - first.bindparams[0].value >= timedelta(hours=5)


@pytest.mark.parametrize("route", [*ROUTES, "profile_of_another"])
def test_no_read_route_loads_a_password_hash_or_an_email(route, andrew, statements):
    """What a response never shows is never read: a feed's authors, a profile, a conversation's members."""
    state = {"group": andrew.get("/api/message_groups").get_json()[0]["uuid"], **few()}
    path = "/api/users/@bayko/short" if route == "profile_of_another" else ROUTES[route](state)
    statements.clear()
    assert andrew.get(path).status_code == 200
    assert statements
    for statement in statements:
        assert "password_hash" not in statement and "users.email" not in statement, statement
