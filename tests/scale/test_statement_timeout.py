"""A request's database work is bounded: a statement past CRUDDUR_STATEMENT_TIMEOUT_MS is stopped by
the database (PostgreSQL's statement_timeout, SQLite's progress handler) and the request answers
503 database_timeout in JSON. The bound is the request's alone: the CLI's statements and the next
request on the same pooled connection are not touched by it.

The slow statement is a real one: search for a phrase whose words are common, on 100k activities
(thousands of candidate rows to read and recheck), under a 1 ms bound."""
import pytest
from sqlalchemy import text

from cruddur.db import db
from testkit.app import make_app
from testkit.errors import error_codes

SLOW = "/api/activities/search?term=centauri ambassador"


@pytest.fixture(params=["sqlite", "postgresql"])
def bounded(request, loaded):
    app = make_app(loaded(request.param, "100k").url, seed=False, STATEMENT_TIMEOUT_MS=1)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_statement_past_the_bound_is_a_json_503_and_the_next_request_is_served(bounded):
    client = bounded.test_client()
    response = client.get(SLOW)
    assert response.status_code == 503, response.get_data(as_text=True)
    assert error_codes(response) == ["database_timeout"]
    assert response.headers["Retry-After"] == "5"
    # The same pooled connection serves the next request; cheap statements fit the bound.
    assert client.get("/api/health-check").status_code == 200
    assert client.get("/api/activities/search?term=zqxjv").status_code in (200, 503)


def test_the_bound_is_off_outside_requests(bounded):
    client = bounded.test_client()
    assert client.get(SLOW).status_code == 503
    with bounded.app_context():
        if db.engine.dialect.name == "postgresql":
            # SET LOCAL ended with the request's transaction: the pooled connection carries nothing.
            assert db.session.scalar(text("SHOW statement_timeout")) == "0"
        # The CLI's work (here: the same slow search's statement, outside a request) runs to the end.
        count = db.session.scalar(text(
            "SELECT count(*) FROM activities WHERE message_folded LIKE '%centauri ambassador%'"))
        assert count >= 0
        db.session.remove()


def test_without_a_bound_the_slow_search_answers(loaded):
    app = make_app(loaded("postgresql", "100k").url, seed=False, STATEMENT_TIMEOUT_MS=0)
    try:
        assert app.test_client().get(SLOW).status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()
