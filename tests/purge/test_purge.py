"""`flask --app app purge-expired` on both databases: what goes, what stays, twice, two at once."""
import os
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from cruddur.purge import purge_batch
from testkit.gunicorn import backend_env
from tests.purge.conftest import (
    ACTIVITIES,
    BACKEND,
    BIN,
    add_many,
    add_tree,
    log_lines,
    purge_command,
    snapshot,
    summary,
)

DATABASES = ["sqlite", "postgresql"]


@pytest.mark.parametrize("kind", DATABASES)
def test_expired_cruds_and_their_replies_go_and_live_ones_stay_intact(kind, seeded_database_url, engine_for):
    url = seeded_database_url(kind)
    engine = engine_for(url)
    with engine.begin() as conn:
        gone = []
        for n in range(7):  # more than two batches of three
            gone += add_tree(conn, timedelta(minutes=-5 - n), replies=[0, 2, 1][: n % 4])
        kept = [add_tree(conn, timedelta(hours=2), replies=[1, 0]), add_tree(conn, timedelta(days=3), replies=[3])]
    before, messages_before = snapshot(engine)

    first = purge_command(backend_env(url), "--grace", "0", "--batch-size", "3", "--progress-every", "1")

    after, messages_after = snapshot(engine)
    assert not set(gone) & set(after)
    for ids in kept:
        assert {i: after[i] for i in ids} == {i: before[i] for i in ids}  # replies_count included
    assert messages_after == messages_before > 0
    seeded_expired = set(before) - set(after) - set(gone)
    assert len(seeded_expired) == 1, "the seed's one expired crud goes too"
    counts = summary(first.stdout)
    assert counts == {"activities": len(gone) + 1, "cruds": 8, "replies": len(gone) - 7}
    assert "purge-expired: 1 batches" in first.stderr  # progress, one line per batch here
    [line] = log_lines(first.stdout, "purge finished")
    assert line["deleted"] == {"activities": len(gone) + 1} and line["batches"] == 3
    assert len(line["trace_id"]) == 32 and line["xray_trace_id"] == f"1-{line['trace_id'][:8]}-{line['trace_id'][8:]}"

    second = purge_command(backend_env(url), "--grace", "0")
    assert summary(second.stdout) == {"activities": 0, "cruds": 0, "replies": 0}
    assert snapshot(engine)[0] == after


@pytest.mark.parametrize("kind", DATABASES)
def test_grace_keeps_recently_expired_cruds(kind, seeded_database_url, engine_for):
    url = seeded_database_url(kind)  # the seed's expired crud expired 29 hours ago
    engine = engine_for(url)
    with engine.begin() as conn:
        recent = add_tree(conn, timedelta(minutes=-30), replies=[0])
        old = add_tree(conn, timedelta(hours=-3), replies=[0])
    env = backend_env(url)
    assert summary(purge_command(env, "--grace", "1h").stdout)["cruds"] == 2
    remaining = set(snapshot(engine)[0])
    assert set(recent) <= remaining and not set(old) & remaining
    assert summary(purge_command(env, "--grace", "600").stdout)["activities"] == 2
    assert not set(recent) & set(snapshot(engine)[0])


@pytest.mark.parametrize("args", [
    ["--batch-size", "0"], ["--batch-size", "-3"], ["--grace", "-1"], ["--grace", "-1h"], ["--grace", "soon"],
    ["--interval", "0"], ["--interval", "-5"], ["--progress-every", "0"], ["--nice", "20"],
])
def test_bad_options_get_one_clear_error_and_exit_code_2(args, new_database_url):
    result = purge_command(backend_env(new_database_url("sqlite")), *args, check=False)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and args[0] in errors[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", DATABASES)
def test_two_purgers_at_once_delete_each_row_once(kind, seeded_database_url, engine_for):
    url = seeded_database_url(kind)
    engine = engine_for(url)
    with engine.begin() as conn:
        expired = add_many(conn, 3000, timedelta(minutes=-10), replies_each=1)
        live = add_many(conn, 200, timedelta(days=1), replies_each=2)
    before, _ = snapshot(engine)
    env = backend_env(url)
    command = [str(BIN / "flask"), "--app", "app", "purge-expired", "--grace", "0", "--batch-size", "40"]
    purgers = [subprocess.Popen(command, cwd=BACKEND, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in purgers]

    for purger, (stdout, stderr) in zip(purgers, outputs, strict=True):
        assert purger.returncode == 0, stdout + stderr
        assert "Traceback" not in stderr and "rolled back" not in stdout, stdout + stderr
    totals = [summary(stdout) for stdout, _ in outputs]
    assert sum(t["activities"] for t in totals) == expired + 1  # and the seed's expired crud
    assert sum(t["cruds"] for t in totals) == expired // 2 + 1
    after, _ = snapshot(engine)
    assert len(after) == len(before) - expired - 1
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ACTIVITIES)) >= live


def test_sqlite_gives_the_freed_pages_back_to_the_file_system(seeded_database_url, engine_for):
    url = seeded_database_url("sqlite")
    path = url.removeprefix("sqlite:///")
    engine = engine_for(url)
    with engine.begin() as conn:
        add_many(conn, 6000, timedelta(minutes=-10), replies_each=2)
    engine.dispose()

    def pages():
        with engine.connect() as conn:
            return conn.exec_driver_sql("PRAGMA page_count").scalar()

    before = pages()
    result = purge_command(backend_env(url), "--grace", "0")
    assert summary(result.stdout)["activities"] == 18_001
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA freelist_count").scalar() == 0
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert pages() < before / 2
    assert os.path.getsize(path) == pages() * 4096


def test_sqlite_finds_a_batch_through_the_expiry_index(seeded_database_url, engine_for):
    """In expiry order from ix_activities_expiry: not every top-level crud, sorted, per batch."""
    engine = engine_for(seeded_database_url("sqlite"))
    statements = []
    with engine.connect() as conn:
        event.listen(conn, "before_cursor_execute",
                     lambda c, cursor, statement, params, ctx, many: statements.append((statement, params)))
        purge_batch(conn, datetime.now(UTC), 10)
        conn.rollback()
        statement, params = statements[0]
        plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
    assert any("USING INDEX ix_activities_expiry" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan
