"""The outage matrix: with every telemetry backend refused, blackholed or failing, a bounded mixed
load through a multi-worker gunicorn loses no request and no post.

Each run fails all four backends at once in one mode, so every (backend, mode) cell of the
matrix is exercised: OTLP, CloudWatch and Rollbar over HTTP; X-Ray over UDP, where "failing"
means a daemon whose buffer is full (UDP has no error reply)."""
import pytest

from testkit.gunicorn import backend_env
from testkit.load import failures, mixed_load, stored_activities
from testkit.outages import outage_env

MODES = ["refused", "blackholed", "failing"]


@pytest.fixture(params=MODES)
def outage(request, new_database_url, start_server):
    started = []
    database_url = new_database_url("sqlite")
    env = backend_env(database_url, CRUDDUR_FAULTS="users_short:error", **outage_env(request.param, started))
    server = start_server(env)
    yield server, database_url
    server.stop()
    for peer in started:
        peer.stop()


def test_no_request_and_no_post_is_lost(outage):
    server, database_url = outage
    results, parent = mixed_load(server.url, requests_total=250, tag="outage", fault_path="/api/users/@worf/short")
    assert failures(results) == []
    stored = stored_activities(database_url, "outage")
    assert {r["uuid"] for r in results if r["kind"] in ("post", "reply")} == set(stored["uuids"])
    assert stored["replies_count"][parent] == stored["replies_of"][parent]
