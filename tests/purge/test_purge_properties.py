"""In process, on both databases: after a purge exactly the cruds expired beyond the grace period
are gone, with their replies, whatever the mix (hypothesis); and a reply racing the purge of its
crud gets a clean 404 and leaves no row."""
import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, delete, event, select

from cruddur.db import db
from cruddur.models import Notification
from cruddur.purge import purge
from testkit.app import make_app
from testkit.auth import bearer, sign_in
from testkit.errors import error_codes
from tests.purge.conftest import ACTIVITIES, add_tree, snapshot

TREES = st.lists(st.tuples(st.integers(-600, 600),  # expiry, minutes from now
                           st.lists(st.integers(0, 2), max_size=3)),  # replies, and replies to each
                 max_size=12)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def unseeded_app(request, seeded_database_url):
    unseeded_app = make_app(seeded_database_url(request.param), seed=False)
    yield unseeded_app
    with unseeded_app.app_context():
        db.engine.dispose()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(trees=TREES, grace_minutes=st.integers(0, 300), batch_size=st.integers(1, 4))
def test_exactly_the_cruds_expired_beyond_grace_go(unseeded_app, trees, grace_minutes, batch_size):
    now = datetime.now(UTC).replace(microsecond=0)
    cutoff = now - timedelta(minutes=grace_minutes)
    with unseeded_app.app_context():
        with db.engine.begin() as conn:
            conn.execute(delete(Notification.__table__))
            conn.execute(delete(ACTIVITIES))
            built = [(now + timedelta(minutes=minutes), add_tree(conn, timedelta(minutes=minutes), replies, now=now))
                     for minutes, replies in trees]
        before, _ = snapshot(db.engine)
        totals = purge(db.engine, db.metadata, cutoff, batch_size, threading.Event())
        after, _ = snapshot(db.engine)
    expected_gone = {i for expires, ids in built if expires <= cutoff for i in ids}
    assert set(before) - set(after) == expected_gone
    assert {i: before[i] for i in after} == after  # what stays is untouched, replies_count included
    assert totals.deleted.get("activities", 0) == len(expected_gone)
    assert totals.cruds == sum(1 for expires, _ in built if expires <= cutoff)


def test_a_reply_to_a_crud_purged_while_it_is_being_posted_is_a_clean_404(unseeded_app):
    client = unseeded_app.test_client()
    headers = bearer(sign_in("andrewbrown", http=client))
    crud = client.post("/api/activities", json={"message": "about to go", "ttl": "1-hour"}, headers=headers)
    parent_uuid = crud.get_json()["uuid"]
    other = create_engine(unseeded_app.config["SQLALCHEMY_DATABASE_URI"])

    def purge_first(conn, cursor, statement, parameters, context, executemany):
        # The reply has read its live parent; the purge deletes it before the reply is counted.
        if statement.startswith("UPDATE activities SET replies_count") and not fired:
            fired.append(True)
            with other.begin() as purger:
                purger.execute(delete(ACTIVITIES).where(ACTIVITIES.c.uuid == parent_uuid))

    fired = []
    with unseeded_app.app_context():
        event.listen(db.engine, "before_cursor_execute", purge_first)
        try:
            response = client.post(f"/api/activities/{parent_uuid}/reply", json={"message": "too late"},
                                   headers=headers)
        finally:
            event.remove(db.engine, "before_cursor_execute", purge_first)
        orphans = db.session.scalars(select(ACTIVITIES.c.id).where(ACTIVITIES.c.message == "too late")).all()
    other.dispose()
    assert fired
    assert response.status_code == 404 and error_codes(response) == ["activity_not_found"]
    assert orphans == []
