"""SIGTERM with every telemetry backend blackholed and Rollbar items queued: every worker still
exits within 5 s, and the `telemetry flushed` line counts what could not be sent."""
import json
import time

import requests

from testkit.gunicorn import backend_env
from testkit.outages import outage_env

SHUTDOWN_SECONDS = 5


def test_workers_exit_within_the_budget_whatever_is_pending(new_database_url, start_server):
    started = []
    # gunicorn itself would wait 30 s: the bound below is Cruddur's, not gunicorn's SIGKILL.
    env = backend_env(new_database_url("sqlite"), CRUDDUR_FAULTS="home_activities:error",
                      GUNICORN_CMD_ARGS="--graceful-timeout 30", **outage_env("blackholed", started))
    try:
        server = start_server(env)
        with requests.Session() as session:
            statuses = {session.get(f"{server.url}/api/activities/home", timeout=10).status_code
                        for _ in range(30)}
        assert statuses == {500}  # 30 Rollbar items, queued behind senders stuck on the blackhole
        began = time.monotonic()
        code = server.stop(timeout=SHUTDOWN_SECONDS)  # raises if the arbiter is still waiting
        elapsed = time.monotonic() - began
    finally:
        for peer in started:
            peer.stop()
    assert code == 0
    flushed = [json.loads(line) for line in server.output().splitlines()
               if line.startswith("{") and '"telemetry flushed"' in line]
    assert len(flushed) == 2  # one per worker
    assert sum(line["unsent"]["rollbar_items"] for line in flushed) > 0
    assert all(set(line["unsent"]) == {"spans", "rollbar_items", "log_lines"} for line in flushed)
    print(f"SIGTERM with every backend blackholed and "
          f"{sum(line['unsent']['rollbar_items'] for line in flushed)} Rollbar items pending: "
          f"exited in {elapsed:.2f}s")
