"""The database handle, the UTC timestamp type and the per-use-case transaction."""
import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import ClassVar

from flask import current_app, has_request_context
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from psycopg import errors as psycopg_errors
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType, TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()


def utcnow():
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC on every database; SQLite keeps no offset, so it is restored on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class likely(ColumnElement):
    """A condition that holds for most rows, so no index should be chosen for it.

    On SQLite it renders as likely(...), the planner hint that keeps the planner from picking an
    index for this term over one that gives the query its order. Other databases plan from
    statistics and get the condition as it is."""

    type = NullType()  # not Boolean, which SQLite would compare with 1
    # What the statement cache keys on: without it, statements holding this are never cached.
    _traverse_internals: ClassVar[list] = [("condition", InternalTraversal.dp_clauseelement)]
    inherit_cache = True

    def __init__(self, condition):
        self.condition = condition


@compiles(likely)
def _likely(element, compiler, **kw):
    return compiler.process(element.condition, **kw)


@compiles(likely, "sqlite")
def _likely_sqlite(element, compiler, **kw):
    return f"likely({compiler.process(element.condition, **kw)})"


@contextmanager
def transaction():
    """One commit per use case: services wrap their writes in this."""
    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


# A request's statements are bounded (CRUDDUR_STATEMENT_TIMEOUT_MS); the CLI's (migrations, seed,
# purge-expired) are not. A statement past the bound is stopped by the database itself and the
# request answers 503 database_timeout (errors.py), so a slow query cannot hold a worker, however
# long the client that asked for it is gone.
# - PostgreSQL: `SET LOCAL statement_timeout` at the start of each of the request's transactions
#   (it ends with the transaction, so a pooled connection carries nothing to the CLI).
# - SQLite: a progress handler interrupts a statement that runs past its deadline.
SQLITE_PROGRESS_STEPS = 10_000  # virtual machine steps between deadline checks
_deadlines = threading.local()


def _request_timeout_ms():
    return current_app.config["STATEMENT_TIMEOUT_MS"] if has_request_context() else 0


@event.listens_for(Session, "after_begin")
def _bound_transaction(session, transaction, connection):
    if connection.dialect.name == "postgresql" and (ms := _request_timeout_ms()):
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(ms)}")


def _sqlite_deadline(conn, cursor, statement, parameters, context, executemany):
    ms = _request_timeout_ms()
    _deadlines.at = time.monotonic() + ms / 1000 if ms else None


def _sqlite_past_deadline():
    at = getattr(_deadlines, "at", None)
    return 1 if at is not None and time.monotonic() > at else 0  # non-zero interrupts the statement


def is_statement_timeout(exc):
    """Whether a DBAPI error is the database stopping a statement that ran past its bound."""
    orig = getattr(exc, "orig", None)
    if isinstance(orig, psycopg_errors.QueryCanceled):
        return True
    return isinstance(orig, sqlite3.OperationalError) and str(orig) == "interrupted"


def init_app(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    engine_options = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        engine_options.update(pool_size=5, max_overflow=5, pool_timeout=5, pool_recycle=1800,
                              # JIT compiles for the planner's guess at big scans; for these
                              # short keyset queries it only adds latency.
                              connect_args={"connect_timeout": 3, "options": "-c jit=off"})
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config["MIGRATIONS_DIR"]))
    if url.startswith("sqlite"):
        with app.app_context():
            @event.listens_for(db.engine, "connect")
            def _sqlite_pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA busy_timeout=5000")
                cursor.close()
                dbapi_connection.set_progress_handler(_sqlite_past_deadline, SQLITE_PROGRESS_STEPS)

            event.listen(db.engine, "before_cursor_execute", _sqlite_deadline)
