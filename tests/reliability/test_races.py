"""Races on a real gunicorn with several workers, on each database: parallel first messages between
one pair make exactly one conversation that every message lands in, and parallel replies keep the
parent's `replies_count` exact. A barrier releases the threads together; nothing here times them."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from testkit.gunicorn import backend_env

THREADS = 10


@pytest.fixture(scope="module")
def server(module_database_url, start_server):
    return start_server(backend_env(module_database_url), workers=4)


def _sign_up(url, handle):
    response = requests.post(f"{url}/api/auth/signup", timeout=30, json={
        "handle": handle, "display_name": handle.title(), "email": f"{handle}@race.example",
        "password": "race-password-1"})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _together(count, call):
    barrier = threading.Barrier(count)

    def run(n):
        barrier.wait(timeout=30)
        return call(n)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_parallel_first_messages_make_one_conversation(server):
    alice, bob = _sign_up(server.url, "racealice"), _sign_up(server.url, "racebob")
    senders = [(alice, "racebob"), (bob, "racealice")]

    def send(n):
        headers, to = senders[n % 2]
        return requests.post(f"{server.url}/api/messages", headers=headers, timeout=30,
                             json={"handle": to, "message": f"first {n}"})

    responses = _together(THREADS, send)
    assert [r.status_code for r in responses] == [201] * THREADS, [r.text for r in responses]
    groups = {r.json()["message_group_uuid"] for r in responses}
    assert len(groups) == 1
    for headers in (alice, bob):
        listed = requests.get(f"{server.url}/api/message_groups", headers=headers, timeout=10).json()
        assert [g["uuid"] for g in listed] == list(groups)
    messages = requests.get(f"{server.url}/api/messages/{groups.pop()}?limit=100", headers=alice, timeout=10).json()
    assert sorted(m["message"] for m in messages) == sorted(f"first {n}" for n in range(THREADS))


def test_parallel_replies_keep_replies_count_exact(server):
    author = _sign_up(server.url, "raceauthor")
    crud = requests.post(f"{server.url}/api/activities", headers=author, timeout=10,
                         json={"message": "reply race", "ttl": "1-day"}).json()
    repliers = [_sign_up(server.url, f"racereplier{n}") for n in range(2)]

    def reply(n):
        return requests.post(f"{server.url}/api/activities/{crud['uuid']}/reply", headers=repliers[n % 2],
                             timeout=30, json={"message": f"reply {n}"})

    responses = _together(THREADS, reply)
    assert [r.status_code for r in responses] == [201] * THREADS, [r.text for r in responses]
    page = requests.get(f"{server.url}/api/activities/@raceauthor/status/{crud['uuid']}?limit=100", timeout=10)
    body = page.json()
    assert body["activity"]["replies_count"] == THREADS == len(body["replies"])
    [item] = [a for a in requests.get(f"{server.url}/api/activities/home", timeout=10).json()
              if a["uuid"] == crud["uuid"]]
    assert item["replies_count"] == THREADS and len(item["replies"]) == 3
