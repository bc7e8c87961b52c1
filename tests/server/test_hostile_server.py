"""What only a real server shows: chunked bodies over the limit under gunicorn, start-up refused for a
short production SECRET_KEY, migration 0005 merging duplicate conversations on each database, and
the caller known to the access log and Rollbar on routes where signing in is optional."""
import json
import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import create_engine, text

from testkit.auth import bearer, sign_in
from testkit.errors import error_codes
from testkit.gunicorn import BACKEND, BIN, Gunicorn, assert_start_refused, backend_env, flask_command
from testkit.receivers import RollbarReceiver, wait_until

LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def server(new_database_url, start_server):
    return start_server(backend_env(new_database_url("sqlite")))


def _chunked(payload, size=4096):
    for start in range(0, len(payload), size):
        yield payload[start:start + size]


@pytest.mark.parametrize("path", ["/api/activities", "/api/auth/signup", "/api/messages"])
def test_a_chunked_body_over_the_limit_is_413(server, path):
    headers = {**bearer(sign_in("bayko", url=server.url)), "Content-Type": "application/json"}
    big = json.dumps({"message": "x" * (LIMIT + 10), "ttl": "1-day"}).encode()
    response = requests.post(server.url + path, data=_chunked(big), headers=headers, timeout=15)
    assert (response.status_code, error_codes(response)) == (413, ["request_entity_too_large"])
    sent = response.request.headers
    assert sent["Transfer-Encoding"] == "chunked" and "Content-Length" not in sent


def test_a_chunked_body_within_the_limit_is_read_whole(server):
    headers = {**bearer(sign_in("bayko", url=server.url)), "Content-Type": "application/json"}
    body = json.dumps({"message": "chunked crud", "ttl": "1-day", "padding": "p" * (LIMIT - 100)}).encode()
    assert len(body) <= LIMIT
    response = requests.post(server.url + "/api/activities", data=_chunked(body), headers=headers, timeout=15)
    assert response.status_code == 201 and response.json()["message"] == "chunked crud"


def test_the_link_header_ignores_the_host_header(server):
    response = requests.get(f"{server.url}/api/activities/home?limit=1", headers={"Host": "evil.example"},
                            timeout=10)
    assert response.headers["Link"].startswith(f"<{server.url}/api/activities/home?")


@pytest.mark.parametrize("secret,starts", [("a", False), ("x" * 31, False), ("x" * 32, True)])
def test_production_needs_a_secret_key_of_32_bytes(new_database_url, tmp_path, secret, starts):
    env = backend_env(new_database_url("sqlite"), CRUDDUR_ENV="production", SECRET_KEY=secret)
    if starts:
        process = subprocess.run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], cwd=BACKEND, env=env,
                                 capture_output=True, text=True, timeout=60)
        assert process.returncode == 0, process.stderr
        server = Gunicorn(env, workers=1, log_path=tmp_path / "ok.log").start()
        assert server.stop() == 0
        return
    assert_start_refused(env, f"cruddur: configuration error: SECRET_KEY is {len(secret)} bytes; "
                              "CRUDDUR_ENV=production needs at least 32")


def _insert(conn, table, **values):
    columns = ", ".join(values)
    conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + c for c in values)})"), values)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_migration_0005_merges_duplicate_conversations(new_database_url, kind):
    url = new_database_url(kind)
    env = backend_env(url)
    flask_command(env, "db", "upgrade", "0004")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    stamp = (lambda t: t.replace(tzinfo=None).isoformat(sep=" ")) if kind == "sqlite" else (lambda t: t)
    engine = create_engine(url)
    with engine.begin() as conn:
        for n, handle in enumerate(("ann", "ben", "cat"), start=1):
            _insert(conn, "users", id=n, uuid=str(uuid.uuid4()), handle=handle, display_name=handle,
                    email=f"{handle}@m.example", password_hash="x", created_at=stamp(now))
        # Three conversations between ann and ben (a race's leftovers), one between ann and cat.
        for group_id, members, minutes in ((10, (1, 2), 0), (11, (2, 1), 5), (12, (1, 2), 9), (13, (1, 3), 1)):
            _insert(conn, "message_groups", id=group_id, uuid=str(uuid.uuid4()), created_at=stamp(now),
                    updated_at=stamp(now + timedelta(minutes=minutes)))
            for member in members:
                _insert(conn, "message_group_members", message_group_id=group_id, user_id=member)
            for m in range(2):
                _insert(conn, "messages", uuid=str(uuid.uuid4()), message_group_id=group_id, user_id=members[m],
                        message=f"g{group_id} m{m}", created_at=stamp(now + timedelta(minutes=minutes, seconds=m)))
        _insert(conn, "activities", uuid=str(uuid.uuid4()), user_id=1, message="Émile WAS here", likes_count=0,
                replies_count=0, reposts_count=0, created_at=stamp(now), expires_at=stamp(now + timedelta(days=1)))
    flask_command(env, "db", "upgrade")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT user_low_id, user_high_id, message_group_id FROM message_group_pairs "
                                 "ORDER BY user_high_id")).all() == [(1, 2, 10), (1, 3, 13)]
        assert [r[0] for r in conn.execute(text("SELECT id FROM message_groups ORDER BY id"))] == [10, 13]
        moved = conn.execute(text("SELECT message FROM messages WHERE message_group_id = 10 ORDER BY message")).all()
        assert [m[0] for m in moved] == ["g10 m0", "g10 m1", "g11 m0", "g11 m1", "g12 m0", "g12 m1"]
        assert conn.execute(text("SELECT count(*) FROM message_group_members")).scalar() == 4
        updated = conn.execute(text("SELECT updated_at FROM message_groups WHERE id = 10")).scalar()
        assert str(updated).startswith("2026-11-01 00:09")
        assert conn.execute(text("SELECT message_folded FROM activities")).scalar() == "émile was here"
    engine.dispose()
    flask_command(env, "db", "upgrade")  # idempotent


@pytest.fixture(scope="module")
def rollbar():
    receiver = RollbarReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def faulty(new_database_url, start_server, rollbar):
    env = backend_env(new_database_url("sqlite"), ROLLBAR_ACCESS_TOKEN="rollbar-test-token",
                      ROLLBAR_ENDPOINT=rollbar.url + "/api/1/", CRUDDUR_FAULTS="search_activities:error")
    return start_server(env)


def test_the_caller_is_known_on_routes_where_signing_in_is_optional(faulty, rollbar):
    token = sign_in("londo", url=faulty.url)
    response = requests.get(f"{faulty.url}/api/activities/search?term=crud", timeout=10,
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 500
    trace_id = response.headers["traceresponse"].split("-")[1]
    [item] = wait_until(lambda: [i for i in rollbar.items() if i["data"].get("custom", {}).get("trace_id") == trace_id])
    assert item["data"]["person"]["username"] == "londo"
    ok = requests.get(f"{faulty.url}/api/activities/@bayko", timeout=10, headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    lines = [json.loads(line) for line in wait_until(lambda: [
        line for line in faulty.output().splitlines() if '"path": "/api/activities/' in line])]
    users = {(line["path"], line["user"]) for line in lines if line.get("message") == "request"}
    assert {("/api/activities/search", "londo"), ("/api/activities/@bayko", "londo")} <= users
