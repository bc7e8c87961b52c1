"""Database robustness: PostgreSQL going away mid-run gives clean 503s and Cruddur recovers on
its own; concurrent writers and a restart lose nothing and keep reply counts exact."""
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from testkit.auth import bearer, sign_in
from testkit.errors import error_codes
from testkit.gunicorn import Gunicorn, backend_env
from testkit.load import stored_activities
from testkit.postgres import PostgresServer


@pytest.fixture(scope="module")
def own_postgres():
    server = PostgresServer().start()
    server.wait_ready()
    yield server
    server.cleanup()


def test_postgres_restart_gives_503s_then_recovers_without_restarting_cruddur(own_postgres, start_server):
    server = start_server(backend_env(own_postgres.create_database("outage")))
    headers = bearer(sign_in("bayko", url=server.url))
    assert requests.get(f"{server.url}/api/activities/home", timeout=10).status_code == 200

    own_postgres.stop()
    for _ in range(5):
        down = requests.get(f"{server.url}/api/activities/home", timeout=15)
        assert (down.status_code, error_codes(down)) == (503, ["database_unavailable"])
    post = requests.post(f"{server.url}/api/activities", json={"message": "while down", "ttl": "1-day"},
                         headers=headers, timeout=15)
    assert post.status_code == 503 and post.headers["Retry-After"] == "5"
    health = requests.get(f"{server.url}/api/health-check", timeout=15)
    assert (health.status_code, health.json()) == (503, {"success": False, "database": "unreachable"})

    own_postgres.resume()
    own_postgres.wait_ready()
    for _ in range(4):  # every worker's pool recovers, not just one
        assert requests.get(f"{server.url}/api/activities/home", timeout=15).status_code == 200
    after = requests.post(f"{server.url}/api/activities", json={"message": "after", "ttl": "1-day"},
                          headers=headers, timeout=15)
    assert after.status_code == 201
    assert requests.get(f"{server.url}/api/health-check", timeout=15).json()["database"] == "ok"


WRITERS, POSTS_EACH = 4, 25


def test_concurrent_writers_and_a_restart_lose_nothing(module_database_url, start_server, tmp_path):
    env = backend_env(module_database_url)
    server = start_server(env)
    handles = ["andrewbrown", "bayko", "londo", "worf"][:WRITERS]
    parent = requests.get(f"{server.url}/api/activities/home", timeout=10).json()[0]["uuid"]

    def writer(handle):
        session, headers = requests.Session(), bearer(sign_in(handle, url=server.url))
        statuses = []
        for n in range(POSTS_EACH):
            statuses.append(session.post(f"{server.url}/api/activities", headers=headers, timeout=15,
                                         json={"message": f"concurrent {handle} {n}", "ttl": "1-day"}).status_code)
            statuses.append(session.post(f"{server.url}/api/activities/{parent}/reply", headers=headers,
                                         timeout=15, json={"message": f"concurrent reply {handle} {n}"}).status_code)
        return statuses

    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = [s for batch in pool.map(writer, handles) for s in batch]
    assert statuses == [201] * (2 * WRITERS * POSTS_EACH)
    assert server.stop() == 0

    restarted = Gunicorn(env, log_path=tmp_path / "restarted.log").start()
    try:
        stored = stored_activities(module_database_url, "concurrent")
        assert len(stored["uuids"]) == 2 * WRITERS * POSTS_EACH
        assert stored["replies_count"][parent] == stored["replies_of"][parent] >= WRITERS * POSTS_EACH
        shown = requests.get(f"{restarted.url}/api/activities/home?limit=100", timeout=10).json()
        assert sum(a["message"].startswith("concurrent ") for a in shown) == WRITERS * POSTS_EACH
    finally:
        restarted.stop()
