"""A purge run is observable like a request: one trace (a root span and a segment begun by the
command, a span and a subsegment per batch), one JSON log line with the counts that also
reaches CloudWatch Logs, one Rollbar item per failed run; and it works with every backend down."""
from datetime import timedelta

import pytest

from testkit.gunicorn import backend_env
from testkit.outages import outage_env
from testkit.receivers import wait_until, xray_id
from testkit.signals import LOG_GROUP, signals_env
from tests.purge.conftest import add_many, log_lines, purge_command, summary

DATABASES = ["sqlite", "postgresql"]


def _subsegments(receiver, xray_trace_id):
    """Every subsegment of the trace: embedded in the segment or streamed on their own."""
    found = []

    def walk(entity):
        for child in entity.get("subsegments", []):
            found.append(child)
            walk(child)

    for doc in receiver.documents():
        if doc.get("trace_id") != xray_trace_id:
            continue
        if doc.get("type") == "subsegment":
            found.append(doc)
        walk(doc)
    return found


@pytest.mark.parametrize("kind", DATABASES)
def test_one_trace_per_run_with_a_span_and_subsegment_per_batch(kind, seeded_database_url, receivers, engine_for):
    url = seeded_database_url(kind)
    with engine_for(url).begin() as conn:
        add_many(conn, 10, timedelta(minutes=-10), replies_each=1)
    result = purge_command(signals_env(url, receivers), "--grace", "0", "--batch-size", "4")
    assert summary(result.stdout)["cruds"] == 11
    [line] = log_lines(result.stdout, "purge finished")
    trace_id, xray_trace_id = line["trace_id"], line["xray_trace_id"]
    assert xray_trace_id == xray_id(trace_id) and line["batches"] == 3

    spans = wait_until(lambda: receivers["otlp"].trace(trace_id))
    [root] = [s for s in spans if s["parent_span_id"] is None]
    assert root["name"] == "purge_expired" and root["attributes"]["app.cruds"] == 11
    batches = [s for s in spans if s["name"] == "purge_batch"]
    assert len(batches) == 4  # three that deleted, and the one that found nothing left
    assert {s["parent_span_id"] for s in batches} == {root["span_id"]}
    assert sum(s["attributes"].get("app.cruds", 0) for s in batches) == 11
    assert [s for s in spans if s["kind"] == "CLIENT"], "the SQL statements are spans too"

    [segment] = wait_until(lambda: receivers["xray"].segments(xray_trace_id))
    assert segment["name"] == "backend-flask" and segment["annotations"]["job"] == "purge_expired"
    subsegments = wait_until(lambda: [s for s in _subsegments(receivers["xray"], xray_trace_id)
                                      if s["name"] == "purge_batch"])
    assert len(subsegments) == len(batches)

    events = wait_until(lambda: [e for e in receivers["moto"].log_events(LOG_GROUP)
                                 if '"purge finished"' in e["message"] and trace_id in e["message"]])
    assert len(events) == 1 and '"cruds": 11' in events[0]["message"]
    assert not [i for i in receivers["rollbar"].items() if i["data"].get("custom", {}).get("trace_id") == trace_id]


def test_a_failed_run_is_one_rollbar_item_with_its_trace_id(new_database_url, receivers):
    url = new_database_url("sqlite")  # never migrated: there is no activities table
    result = purge_command(signals_env(url, receivers), "--grace", "0", check=False)
    assert result.returncode == 1
    assert "purge-expired: failed: OperationalError" in result.stderr and "Traceback" not in result.stderr
    [line] = log_lines(result.stdout, "purge failed")
    items = wait_until(lambda: [i for i in receivers["rollbar"].items()
                                if i["data"].get("custom", {}).get("trace_id") == line["trace_id"]])
    assert len(items) == 1
    assert items[0]["data"]["custom"]["job"] == "purge_expired"
    body = items[0]["data"]["body"]
    trace = body["trace"] if "trace" in body else body["trace_chain"][0]  # a chain: SQLAlchemy wraps sqlite3's
    assert trace["exception"]["class"] == "OperationalError"
    spans = wait_until(lambda: receivers["otlp"].trace(line["trace_id"]))
    [root] = [s for s in spans if s["parent_span_id"] is None]
    assert root["status"] == 2  # ERROR
    [segment] = wait_until(lambda: receivers["xray"].segments(line["xray_trace_id"]))
    assert segment.get("fault") or segment.get("error")


@pytest.mark.parametrize("mode", ["refused", "blackholed", "failing"])
def test_purge_works_with_every_backend_unreachable(mode, seeded_database_url, engine_for):
    url = seeded_database_url("sqlite")
    with engine_for(url).begin() as conn:
        add_many(conn, 50, timedelta(minutes=-10), replies_each=1)
    started = []
    try:
        env = backend_env(url, **outage_env(mode, started))
        result = purge_command(env, "--grace", "0", "--batch-size", "20", timeout=60)
    finally:
        for backend in started:
            backend.stop()
    assert summary(result.stdout) == {"activities": 101, "cruds": 51, "replies": 50}
    assert "Traceback" not in result.stderr
    [line] = log_lines(result.stdout, "purge finished")
    assert len(line["trace_id"]) == 32
