"""Deleting expired cruds for good: each expired top-level crud goes with all its replies (and any
row of another table that points at one of them), in batches of short transactions.

A reply expires with its crud and is only ever deleted with it, so no live crud's replies_count
changes. Messages are not touched. Each batch is its own transaction, so serving continues:
- PostgreSQL: the batch's cruds are taken with FOR UPDATE SKIP LOCKED, so two purgers never pick
  the same crud and neither waits for the other; a reply being inserted under a crud holds a key
  lock on it, so that crud is skipped until the next run.
- SQLite: writers take turns; a batch starts with BEGIN IMMEDIATE (choose and delete under one
  write lock), and a busy database is waited for (busy_timeout), not an error. SQLite's lock is
  not fair, so after each batch the purger rests as long as the batch held the lock: requests'
  writes get their turn however many purgers run back to back.
On SQLite the freed pages then go back to the file system in short incremental-vacuum steps
(migration 0006 turns incremental auto-vacuum on)."""
import logging
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError

from .db import likely, utcnow
from .models import Activity
from .telemetry import job

log = logging.getLogger("cruddur.purge")

ACTIVITIES = Activity.__table__
CHUNK = 500  # ids per IN (...) list
BUSY_TIMEOUT_MS = 30_000  # SQLite: how long a batch waits for another writer's turn
LOCK_TIMEOUT = "10s"  # PostgreSQL: how long a batch waits for a reply being inserted to commit
VACUUM_STEP_PAGES = 2_000  # SQLite pages returned per short write transaction
MIN_REST_SECONDS, MAX_REST_SECONDS = 0.02, 1.0  # SQLite: the rest after a batch, bounds of "as long as it held"
RETRIES = 3  # consecutive failed batches (a lost race, a deadlock, a lock timeout) before giving up


@dataclass
class Totals:
    deleted: Counter = field(default_factory=Counter)  # rows per table
    cruds: int = 0
    replies: int = 0
    batches: int = 0
    freed_pages: int | None = None  # SQLite only; None when auto-vacuum is off
    seconds: float = 0.0

    def summary(self):
        tables = ", ".join(f"{t}={n}" for t, n in sorted(self.deleted.items())) or "activities=0"
        freed = "" if self.freed_pages is None else f", {self.freed_pages} pages freed"
        return (f"purge-expired: deleted {tables} ({self.cruds} cruds, {self.replies} replies) "
                f"in {self.seconds:.2f} s, {self.batches} batches{freed}")

    def as_fields(self):
        return {"deleted": dict(self.deleted), "cruds": self.cruds, "replies": self.replies,
                "batches": self.batches, "freed_pages": self.freed_pages, "seconds": round(self.seconds, 3)}


def _chunks(ids):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def dependents(metadata):
    """(table, column) of every foreign key to activities other than a reply's own."""
    return [(table, fk.parent) for table in metadata.sorted_tables if table is not ACTIVITIES
            for fk in table.foreign_keys if fk.column.table is ACTIVITIES]


def _begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")


def purge_batch(conn, cutoff, batch_size, others=()):
    """Delete up to `batch_size` cruds that expired by `cutoff`, with their replies and the rows
    that point at them, in the caller's transaction. Returns (rows per table, cruds, replies)."""
    locking = conn.dialect.name == "postgresql"
    # likely(): without it SQLite's planner takes every top-level crud from ix_activities_feed
    # and sorts them, instead of reading ix_activities_expiry in order.
    roots = (select(ACTIVITIES.c.id)
             .where(likely(ACTIVITIES.c.reply_to_activity_id.is_(None)), ACTIVITIES.c.expires_at <= cutoff)
             .order_by(ACTIVITIES.c.expires_at).limit(batch_size))
    levels = [list(conn.scalars(roots.with_for_update(skip_locked=True) if locking else roots))]
    while levels[-1]:  # replies, replies to replies, ...
        children = []
        for chunk in _chunks(levels[-1]):
            query = select(ACTIVITIES.c.id).where(ACTIVITIES.c.reply_to_activity_id.in_(chunk))
            children += conn.scalars(query.with_for_update() if locking else query)
        levels.append(children)
    levels.pop()
    counts = Counter()
    if not levels:
        return counts, 0, 0
    everything = [row_id for level in levels for row_id in level]
    for table, column in others:
        for chunk in _chunks(everything):
            if deleted := conn.execute(delete(table).where(column.in_(chunk))).rowcount:
                counts[table.name] += deleted
    for level in reversed(levels):  # a reply before the row it replies to
        for chunk in _chunks(level):
            counts[ACTIVITIES.name] += conn.execute(delete(ACTIVITIES).where(ACTIVITIES.c.id.in_(chunk))).rowcount
    return counts, len(levels[0]), len(everything) - len(levels[0])


def purge(engine, metadata, cutoff, batch_size, stop, on_batch=lambda totals: None):
    """Batches until none is left (or `stop` is set); returns Totals. Each batch is a step."""
    others = dependents(metadata)
    totals, failures, started = Totals(), 0, time.monotonic()
    while not stop.is_set():
        with job.step("purge_batch") as record, engine.connect() as conn:
            try:
                _begin(conn)
                locked_at = time.monotonic()
                counts, cruds, replies = purge_batch(conn, cutoff, batch_size, others)
                conn.commit()
                held = time.monotonic() - locked_at
            except (IntegrityError, OperationalError) as exc:
                conn.rollback()
                failures += 1
                record(retry=failures, error=type(exc).__name__)
                log.warning("purge batch rolled back, retrying", extra={"error": type(exc).__name__,
                                                                         "attempt": failures})
                if failures >= RETRIES:
                    raise
                time.sleep(0.2 * failures)
                continue
            failures = 0
            record(cruds=cruds, replies=replies, **{f"deleted.{t}": n for t, n in counts.items()})
        if not cruds:
            break
        if engine.dialect.name == "sqlite":
            stop.wait(min(max(held, MIN_REST_SECONDS), MAX_REST_SECONDS))
        totals.deleted.update(counts)
        totals.cruds += cruds
        totals.replies += replies
        totals.batches += 1
        on_batch(totals)
    if engine.dialect.name == "sqlite" and not stop.is_set():
        totals.freed_pages = release_pages(engine, stop)
    totals.seconds = time.monotonic() - started
    return totals


def release_pages(engine, stop):
    """SQLite: hand the free pages back to the file system, a short write transaction at a time.
    Returns the pages freed, or None when the file has no incremental auto-vacuum."""
    freed = 0
    while not stop.is_set():
        with engine.connect() as conn:
            if conn.exec_driver_sql("PRAGMA auto_vacuum").scalar() != 2:  # 2 is INCREMENTAL
                return None
            free = conn.exec_driver_sql("PRAGMA freelist_count").scalar()
            if not free:
                break
            with job.step("purge_vacuum") as record:
                # executescript, not execute: the sqlite3 module steps a statement that returns no
                # rows only once, and each step of incremental_vacuum frees a single page.
                conn.connection.driver_connection.executescript(
                    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; BEGIN IMMEDIATE; "
                    f"PRAGMA incremental_vacuum({VACUUM_STEP_PAGES}); COMMIT;")
                left = conn.exec_driver_sql("PRAGMA freelist_count").scalar()
                freed += free - left
                record(pages=free - left)
    with engine.connect() as conn:  # move the WAL into the file, which lets the file shrink
        conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    return freed


def run_once(engine, metadata, grace, batch_size, stop, progress_every, echo):
    """One run: one trace, one summary log line (also to CloudWatch when on); returns Totals."""
    cutoff = utcnow() - grace
    settings = {"batch_size": batch_size, "grace_seconds": grace.total_seconds(), "cutoff": cutoff.isoformat()}

    def progress(totals):
        if totals.batches % progress_every == 0:
            echo(f"purge-expired: {totals.batches} batches, {totals.cruds} cruds and {totals.replies} "
                 f"replies deleted so far", err=True)

    with job.run("purge_expired", **settings) as ids:
        try:
            totals = purge(engine, metadata, cutoff, batch_size, stop, progress)
        except Exception as exc:
            log.error("purge failed", extra={**settings, **ids.as_log_fields(), "error": type(exc).__name__})
            raise
        job.record(cruds=totals.cruds, replies=totals.replies, batches=totals.batches,
                   **{f"deleted.{t}": n for t, n in totals.deleted.items()})
        log.info("purge finished", extra={**totals.as_fields(), **settings, **ids.as_log_fields(),
                                          "stopped": stop.is_set()})
    return totals
