"""`purge-expired --interval`, as compose's purger service runs it: a run, a pause, a run, until
SIGTERM or SIGINT; and between runs it holds nothing that would block PostgreSQL's autovacuum."""
import queue
import signal
import subprocess
import threading
from datetime import timedelta

import psycopg
import pytest

from testkit.gunicorn import backend_env
from tests.purge.conftest import BACKEND, BIN, SUMMARY, add_tree, summary


class Purger:
    def __init__(self, env, *args):
        self.process = subprocess.Popen(
            [str(BIN / "flask"), "--app", "app", "purge-expired", *args], cwd=BACKEND, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = queue.Queue()
        self.output = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)

    def next_summary(self, timeout=60):
        while True:
            line = self.lines.get(timeout=timeout)
            if SUMMARY.match(line):
                return summary(line)

    def stop(self, signum):
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=30)
        finally:
            self.reader.join(5)
            self.process.stdout.close()


@pytest.mark.parametrize("kind,signum", [("sqlite", signal.SIGTERM), ("sqlite", signal.SIGINT),
                                         ("postgresql", signal.SIGTERM)])
def test_interval_runs_again_and_stops_cleanly_on_a_signal(kind, signum, seeded_database_url, engine_for, postgres):
    url = seeded_database_url(kind)
    engine = engine_for(url)
    purger = Purger(backend_env(url), "--grace", "0", "--interval", "1")
    try:
        assert purger.next_summary()["cruds"] == 1  # the seed's expired crud
        with engine.begin() as conn:
            add_tree(conn, timedelta(seconds=-1), replies=[0, 0])
        seen = [purger.next_summary() for _ in range(3)]
        assert {"activities": 3, "cruds": 1, "replies": 2} in seen
        if kind == "postgresql":
            name = url.rsplit("/", 1)[1]
            with psycopg.connect(postgres.dsn(name), autocommit=True) as conn:
                sessions = conn.execute(
                    "SELECT state, backend_xmin FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
                    " AND state <> 'active'", (name,)).fetchall()
            # Between batches and runs the purger's connection is idle: no open transaction, no snapshot
            # holding back the xmin horizon that autovacuum cleans up to.
            assert sessions and all(state == "idle" and xmin is None for state, xmin in sessions), sessions
    finally:
        code = purger.stop(signum)
    output = "".join(purger.output)
    assert code == 0, output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
