"""The purge's index must not change how any feed is read (an expires_at index once misled
SQLite's planner, see migration 0003): every feed statement has the same plan with and without
ix_activities_expiry, on both databases."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event, text

from cruddur.db import db, utcnow
from cruddur.models import User
from testkit.app import make_app
from testkit.auth import bearer, sign_in
from tests.purge.conftest import add_many, add_tree

ROUTES = ["/api/activities/home", "/api/activities/@andrewbrown", "/api/activities/search?term=crud",
          "/api/activities/notifications"]
INDEX = "CREATE INDEX ix_activities_expiry ON activities (expires_at) WHERE reply_to_activity_id IS NULL"


def _plans(conn, statements):
    explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN (COSTS OFF) "
    return [[tuple(row) for row in conn.exec_driver_sql(explain + statement, params)]
            for statement, params in statements]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_feed_plans_are_the_same_with_and_without_the_expiry_index(kind, seeded_database_url):
    app = make_app(seeded_database_url(kind), seed=False)
    client = app.test_client()
    token = sign_in("andrewbrown", http=client)
    with app.app_context():
        with db.engine.begin() as conn:
            # A feed's plan is the planner's choice at scale: many users, thousands of cruds.
            conn.execute(User.__table__.insert(), [
                {"uuid": str(uuid.uuid4()), "handle": f"planner{n}", "display_name": f"Planner {n}",
                 "email": f"planner{n}@cruddur.example", "password_hash": "unused", "created_at": utcnow()}
                for n in range(100)])
            add_many(conn, 6000, timedelta(hours=-1), replies_each=1, spread=True)
            add_many(conn, 6000, timedelta(days=2), replies_each=1, spread=True)
            add_tree(conn, timedelta(days=1), replies=[1, 1])
            if kind == "postgresql":
                conn.exec_driver_sql("ANALYZE")
        statements = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("SELECT") and "activities" in statement:
                statements.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            for route in ROUTES:
                assert client.get(route, headers=bearer(token)).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert len(statements) >= len(ROUTES)
        db.session.remove()  # the requests shared this app context: end their transaction (and locks)
        with db.engine.connect() as conn:
            with_index = _plans(conn, statements)
            conn.execute(text("DROP INDEX ix_activities_expiry"))
            without_index = _plans(conn, statements)
            conn.execute(text(INDEX))
            conn.commit()
        db.engine.dispose()
    for statement, with_plan, without_plan in zip(statements, with_index, without_index, strict=True):
        assert with_plan == without_plan, statement[0]
