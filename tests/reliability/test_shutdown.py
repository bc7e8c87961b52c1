"""SIGTERM under gunicorn: in-flight requests finish, every signal flushes within its budget, and
with the backends up nothing of a completed request is lost."""
import json
import threading
import time

import requests

from testkit.gunicorn import backend_env
from testkit.load import failures, mixed_load
from testkit.outages import outage_env
from testkit.receivers import wait_until
from testkit.signals import LOG_GROUP, signals_env


def _sigterm_during_slow_request(server):
    result = {}

    def slow():
        result["response"] = requests.get(f"{server.url}/api/users/@worf/short", timeout=30)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)  # the request is now inside the delayed service
    started = time.monotonic()
    code = server.stop(timeout=30)
    elapsed = time.monotonic() - started
    thread.join(30)
    return code, elapsed, result["response"]


def test_sigterm_with_every_backend_blackholed(new_database_url, start_server):
    started = []
    env = backend_env(new_database_url("sqlite"), CRUDDUR_FAULTS="users_short:delay=1500",
                      **outage_env("blackholed", started))
    server = start_server(env)
    try:
        results, _ = mixed_load(server.url, requests_total=80, tag="shutdown")
        assert failures(results) == []
        code, elapsed, in_flight = _sigterm_during_slow_request(server)
    finally:
        for peer in started:
            peer.stop()
    assert in_flight.status_code == 200  # the in-flight request finished
    assert code == 0
    log = server.output()
    # gunicorn SIGKILLs a worker that overruns graceful_timeout; the flush budget must prevent that
    assert "SIGKILL" not in log and "WORKER TIMEOUT" not in log and "Traceback" not in log
    print(f"shutdown with every backend blackholed took {elapsed:.2f}s")


def test_nothing_buffered_is_lost_when_backends_are_up(new_database_url, receivers, start_server):
    env = signals_env(new_database_url("sqlite"), receivers, CRUDDUR_FAULTS="search_activities:error",
                      OTEL_BSP_SCHEDULE_DELAY="30000")  # spans stay buffered until shutdown
    server = start_server(env)
    results, _ = mixed_load(server.url, requests_total=60, tag="flush")
    expected = {"home": 200, "post": 201, "reply": 201, "search": 500}
    assert all(r["status"] == expected[r["kind"]] for r in results)
    assert server.stop(timeout=30) == 0
    trace_ids = {r["trace_id"] for r in results}
    assert None not in trace_ids

    spans = {s["trace_id"] for s in receivers["otlp"].spans() if s["kind"] == "SERVER"}
    assert trace_ids <= spans
    segments = {d["trace_id"] for d in receivers["xray"].segments()}
    assert {f"1-{t[:8]}-{t[8:]}" for t in trace_ids} <= segments
    logged = wait_until(lambda: trace_ids <= {json.loads(e["message"]).get("trace_id")
                                              for e in receivers["moto"].log_events(LOG_GROUP)}, timeout=10)
    # What each worker's bounded flush left unsent, should a line be missing.
    assert logged, [line for line in server.output().splitlines() if "telemetry flushed" in line]
    errors = {t for t in trace_ids if any(r["trace_id"] == t and r["kind"] == "search" for r in results)}
    reported = {i["data"]["custom"]["trace_id"] for i in receivers["rollbar"].items()}
    assert errors and errors <= reported
