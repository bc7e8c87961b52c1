"""The purge benchmark (`bin/bench --purge`): how fast `flask --app app purge-expired` deletes,
what it costs the home feed while it runs, and how much smaller the database gets.

For each database and size it loads (once, cached) a dataset of N top-level cruds, half of them
expired, plus N/5 replies that expire with their crud, and works on a fresh copy of it:
1. the purge alone on an idle copy: rows deleted per second, database size before and after;
2. on a second copy, a bare gunicorn under the usual wrk load on the home feed: p99 with no purge,
   then p99 while the same purge runs. wrk lasts as long as the purge took alone, at most
   WINDOW_SECONDS, so the purge (slower under load) covers the whole window; then the purge is
   stopped with SIGTERM. Target: p99 during ÷ p99 without <= 1.5."""
import json
import os
import shutil
import signal
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench import configs, datasets, measure
from testkit.gunicorn import BACKEND, BIN, Gunicorn, backend_env

P99_TARGET = 1.5
WINDOW_SECONDS = 60


def _purge(url, batch_size):
    """Start the documented command on `url`; returns the Popen (stdout piped)."""
    return subprocess.Popen([str(BIN / "flask"), "--app", "app", "purge-expired", "--grace", "0",
                             "--batch-size", str(batch_size), "--progress-every", "1000000"],
                            cwd=BACKEND, env=backend_env(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _started(process):
    """Wait for the command's start-up line (the app is built; deleting begins); returns what it read."""
    lines = []
    while not lines or '"signals: ' not in lines[-1]:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
    return "".join(lines)


def _finished(process, head=""):
    stdout, stderr = process.communicate(timeout=3600)
    stdout = head + stdout
    finished = [json.loads(line) for line in stdout.splitlines() if line.startswith("{") and '"purge finished"' in line]
    # -SIGTERM: the stop signal reached it after its run, while it was exiting.
    if process.returncode not in (0, -signal.SIGTERM) or len(finished) != 1:
        raise RuntimeError(f"purge-expired failed: {stdout[-2000:]}{stderr[-2000:]}")
    [line] = finished
    return {"deleted": sum(line["deleted"].values()), "cruds": line["cruds"], "replies": line["replies"],
            "batches": line["batches"], "seconds": line["seconds"], "freed_pages": line["freed_pages"],
            "rows_per_second": round(sum(line["deleted"].values()) / line["seconds"]) if line["seconds"] else None}


class SqliteCopies:
    def __init__(self, dataset, workdir):
        self.source = Path(dataset.url.removeprefix("sqlite:///"))
        self.workdir = workdir

    def copy(self, name):
        path = self.workdir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.source, path)  # the cached file is checkpointed: no -wal beside it
        return f"sqlite:///{path}"

    @staticmethod
    def size(url):
        path = url.removeprefix("sqlite:///")
        files = {suffix or "db": os.path.getsize(path + suffix) for suffix in ("", "-wal")
                 if os.path.exists(path + suffix)}
        return {"bytes": sum(files.values()), "files": files}

    def drop(self, url):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)


class PostgresCopies:
    def __init__(self, dataset, server):
        self.template = dataset.url.rsplit("/", 1)[1]
        self.server = server

    def copy(self, name):
        with psycopg.connect(self.server.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return self.server.url(name)

    def size(self, url, vacuum=False):
        with psycopg.connect(self.server.dsn(url.rsplit("/", 1)[1]), autocommit=True) as conn:
            if vacuum:
                conn.execute("VACUUM activities")  # what autovacuum does after the purge
            conn.execute("SELECT pg_stat_force_next_flush()")
            dead = conn.execute("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'activities'").fetchone()
            return {"bytes": conn.execute("SELECT pg_database_size(current_database())").fetchone()[0],
                    "activities_bytes": conn.execute("SELECT pg_total_relation_size('activities')").fetchone()[0],
                    "dead_tuples": dead[0] if dead else None}

    def drop(self, url):
        with psycopg.connect(self.server.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def bench_one(dataset, copies, args, workdir):
    label = dataset.label
    result = {"database": dataset.database, "size": dataset.size, "activities": dataset.activities,
              "expired": dataset.expired, "batch_size": args.batch_size}
    url = copies.copy("cruddur_purge_alone")
    try:
        result["size_before"] = copies.size(url)
        print(f"==> {label}: purge alone ({dataset.expired:,} expired of {dataset.activities:,})", flush=True)
        result["alone"] = _finished(_purge(url, args.batch_size))
        result["size_after"] = copies.size(url)
        if dataset.database == "postgresql":
            result["size_after_vacuum"] = copies.size(url, vacuum=True)
    finally:
        copies.drop(url)
    print(f"    {result['alone']['deleted']:,} rows in {result['alone']['seconds']} s: "
          f"{result['alone']['rows_per_second']:,} rows/s", flush=True)

    url = copies.copy("cruddur_purge_load")
    server = Gunicorn(configs.environment("bare", url, None), workers=args.workers,
                      log_path=workdir / f"{dataset.database}-purge.log").start()
    try:
        home = server.url + "/api/activities/home"
        measure.wrk(home, 2)  # warm
        seconds = max(2, min(WINDOW_SECONDS, int(result["alone"]["seconds"])))
        result["wrk_seconds"] = seconds
        result["without_purge"] = [measure.wrk(home, seconds) for _ in range(args.rounds)]
        purge = _purge(url, args.batch_size)
        head = _started(purge)  # the window is the deleting itself, not the command's start-up
        result["during_purge"] = measure.wrk(home, seconds)
        result["still_purging_at_end"] = purge.poll() is None
        if result["still_purging_at_end"]:
            purge.send_signal(signal.SIGTERM)  # it finishes its batch and exits cleanly
        result["under_load"] = _finished(purge, head)
    finally:
        server.stop()
        copies.drop(url)
    p99_without = sorted(r["p99_ms"] for r in result["without_purge"])[len(result["without_purge"]) // 2]
    result["p99_ratio"] = round(result["during_purge"]["p99_ms"] / p99_without, 2)
    print(f"    home p99 {p99_without:.1f} ms without, {result['during_purge']['p99_ms']:.1f} ms during: "
          f"ratio {result['p99_ratio']} (target <= {P99_TARGET}); errors "
          f"{result['during_purge']['non_2xx'] + result['during_purge']['socket_errors']}", flush=True)
    return result


def run(args, workdir):
    results = {"started": datetime.now(UTC).isoformat(), "command": args.command,
               "load_average_at_start": [round(x, 2) for x in os.getloadavg()], "runs": []}
    for database in args.databases:
        pg = datasets.CachedPostgres().start() if database == "postgresql" else None
        try:
            for size in args.sizes:
                dataset = pg.dataset(size, purge=True) if pg else datasets.sqlite_dataset(size, purge=True)
                copies = PostgresCopies(dataset, pg) if pg else SqliteCopies(dataset, workdir)
                results["runs"].append(bench_one(dataset, copies, args, workdir))
        finally:
            if pg:
                pg.stop()
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def markdown(results):
    def mib(n):
        return f"{n / 2**20:,.1f} MiB"

    lines = [f"Purge benchmark, {results['started'][:16]} UTC: `{results['command']}` (load average "
             f"{results['load_average_at_start'][0]} at start)", "",
             "| dataset | deleted | rows/s alone | home p99 without → during a purge | ratio (≤ 1.5) "
             "| size before → after |", "|---|---|---|---|---|---|"]
    for r in results["runs"]:
        p99s = sorted(x["p99_ms"] for x in r["without_purge"])
        after = mib(r["size_after"]["bytes"])
        if "size_after_vacuum" in r:
            after += f" ({mib(r['size_after_vacuum']['bytes'])} after VACUUM; space reusable, not returned)"
        lines.append(f"| {r['database']} {datasets.size_label(r['size'])} cruds | {r['alone']['deleted']:,} | "
                     f"{r['alone']['rows_per_second']:,} ({r['alone']['seconds']:.0f} s) | "
                     f"{p99s[len(p99s) // 2]:.1f} → {r['during_purge']['p99_ms']:.1f} ms | {r['p99_ratio']} "
                     f"{'met' if r['p99_ratio'] <= P99_TARGET else '**missed**'} | "
                     f"{mib(r['size_before']['bytes'])} → {after} |")
    return "\n".join(lines) + "\n"
