"""Every list route costs the same whatever the table holds, on both databases.

Each route is requested at 1k activities and at 100k cruds (tests/scale/conftest.py), its SQL recorded,
and every statement that reads activities or messages explained:
- PostgreSQL, `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` with planner statistics: no sequential scan
  of `activities` (or `messages`), the rows read from those tables bounded by the page size, and
  the shared buffers touched at 100k within a small margin of those at 1k (a B-tree one level
  deeper, not a table read);
- SQLite, `EXPLAIN QUERY PLAN`: no full scan of those tables; and the virtual machine's steps
  (counted by a progress handler: deterministic, unlike time) at 100k within that margin of 1k.

The costs are counts the databases report, never durations, and they are compared per row the
response shows (a user with 3 notifications at 1k has a full page at 100k).

Two reads are bounded otherwise, and checked for that:
- a profile's `cruds_count` counts that user's live cruds: an index-only read of
  ix_activities_user_cruds, which grows with that user's cruds, never with the table;
- search reads what the trigram index (PostgreSQL) or the newest-first index (SQLite) hands it
  until the page is full: its cost follows how rare the term is, not the table's size, and
  terms the index cannot serve are refused (tests/api: search_term_too_short)."""
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, text

from cruddur.db import db
from testkit.app import make_app
from testkit.auth import bearer, sign_in

PAGE = 20  # PAGE_LIMIT_DEFAULT
ROUTES = {
    "home": "/api/activities/home",
    "home_limit_max": "/api/activities/home?limit=100",
    "home_page_2": "next:/api/activities/home",
    "profile": "/api/activities/@bench0001",
    "search_common": "/api/activities/search?term=cloud",
    "search_rare": "/api/activities/search?term=centauri ambassador",
    "search_absent": "/api/activities/search?term=zqxjv",
    "notifications": "/api/activities/notifications",
    "status_replies": "/api/activities/@{busiest_handle}/status/{busiest_uuid}",
    "message_groups": "/api/message_groups",
    "messages": "/api/messages/{group_uuid}",
}
# Rows a page may read from a table per row it shows: the row, its parent's key, its latest
# replies (three) and the one extra row that says whether a next page exists.
ROWS_PER_ITEM = 6
# Buffers (PostgreSQL) or VM steps (SQLite) at 100k may exceed 1k's by this factor: each index is
# a level or two deeper, and pages hold other rows. A read that grew with the table would be ~100×.
GROWTH = 1.6
TABLES = ("activities", "messages")


SEARCHES = [r for r in ROUTES if r.startswith("search_")]
FLAT = [r for r in ROUTES if r not in SEARCHES]


def _is_count(statement):
    return statement.lstrip().startswith("SELECT count(*)")


def _limit(route):
    match = re.search(r"limit=(\d+)", route)
    return int(match.group(1)) if match else PAGE


class Recorder:
    def __init__(self, engine):
        self.statements = []
        self.engine = engine

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and any(t in statement for t in TABLES):
            self.statements.append((statement, parameters))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self)


def _walk(node):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def postgres_cost(conn, statement, parameters):
    """(plan nodes on our tables, rows they read, buffers touched) of one statement, run for real."""
    [[[plan]]] = conn.exec_driver_sql(
        "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters).all()
    root = plan["Plan"]
    nodes = [n for n in _walk(root) if n.get("Relation Name") in TABLES]
    read = sum((n["Actual Rows"] + n.get("Rows Removed by Filter", 0) + n.get("Rows Removed by Index Recheck", 0))
               * n["Actual Loops"] for n in nodes)
    buffers = root["Shared Hit Blocks"] + root["Shared Read Blocks"]
    return [f'{n["Node Type"]} on {n["Relation Name"]}' for n in nodes], read, buffers


def sqlite_cost(conn, statement, parameters):
    """(plan steps on our tables, None, VM steps) of one statement, run for real."""
    steps = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    raw = conn.connection.dbapi_connection
    counted = [0]

    def count():
        counted[0] += 1
        return 0

    raw.set_progress_handler(count, 100)
    try:
        conn.exec_driver_sql(statement, parameters).all()
    finally:
        raw.set_progress_handler(None, 0)
    return [s for s in steps if any(re.search(rf"\b{t}\b", s) for t in TABLES)], None, counted[0] * 100


def measure(loaded):
    """{route: [(statement, plan nodes, rows read, cost)]} for every route on one loaded database."""
    app = make_app(loaded.url, seed=False)
    client = app.test_client()
    token = sign_in("bench0001", http=client)
    costs = {}
    with app.app_context():
        targets = dict(db.session.execute(text(
            "SELECT u.handle AS busiest_handle, a.uuid AS busiest_uuid "
            "FROM activities a JOIN users u ON u.id = a.user_id "
            "WHERE a.reply_to_activity_id IS NULL AND a.expires_at > CURRENT_TIMESTAMP "
            "ORDER BY a.replies_count DESC, a.id LIMIT 1")).mappings().one())
        targets["group_uuid"] = client.get("/api/message_groups", headers=bearer(token)).get_json()[0]["uuid"]
        db.session.remove()
        for name, route in ROUTES.items():
            path = route.format(**targets)
            if path.startswith("next:"):
                link = client.get(path[5:], headers=bearer(token)).headers["Link"]
                url = urlsplit(link[1:link.index(">")])
                path = f"{url.path}?{url.query}"
            with Recorder(db.engine) as recorder:
                response = client.get(path, headers=bearer(token))
            assert response.status_code == 200, (name, response.get_json())
            assert recorder.statements, name
            shown = response.get_data(as_text=True).count('"uuid"')
            db.session.remove()
            with db.engine.connect() as conn:
                cost = postgres_cost if conn.dialect.name == "postgresql" else sqlite_cost
                costs[name] = (shown, [(statement, *cost(conn, statement, parameters))
                                       for statement, parameters in recorder.statements])
        db.engine.dispose()
    return costs


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def costs(request, loaded):
    return {size: measure(loaded(request.param, size)) for size in ("1k", "100k")}


@pytest.mark.parametrize("route", ROUTES)
def test_no_list_route_scans_a_whole_table(costs, route):
    for statement, nodes, _read, _cost in costs["100k"][route][1]:
        scans = [n for n in nodes if n.startswith("Seq Scan") or re.match(r"SCAN \w+$", n)]
        assert not scans, (route, nodes, statement)


@pytest.mark.parametrize("route", FLAT)
def test_rows_read_are_bounded_by_the_page(costs, route):
    for statement, _nodes, read, _cost in costs["100k"][route][1]:
        if read is not None and not _is_count(statement):  # PostgreSQL reports the rows each node read
            assert read <= ROWS_PER_ITEM * (_limit(route) + 1), (route, read, statement)


@pytest.mark.parametrize("route", FLAT)
def test_cost_per_row_shown_at_100k_is_that_at_1k(costs, route):
    def per_row(size):
        shown, statements = costs[size][route]
        return sum(cost for statement, *_, cost in statements if not _is_count(statement)) / (shown + 1)

    assert per_row("100k") <= GROWTH * per_row("1k") + 10, (route, per_row("1k"), per_row("100k"))


def test_a_profile_counts_its_cruds_from_the_index_alone(costs):
    [(_statement, nodes, read, _cost)] = [s for s in costs["100k"]["profile"][1] if _is_count(s[0])]
    if read is not None:  # PostgreSQL
        assert nodes == ["Index Only Scan on activities"], nodes
    else:  # SQLite: the user's range of the partial index
        [step] = nodes
        user_range = r"USING (COVERING )?INDEX ix_activities_user_cruds \(user_id=\? AND expires_at>\?\)$"
        assert re.search(user_range, step), step
