"""The database handle, the UTC timestamp type and the per-use-case transaction."""
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import ClassVar

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData
from sqlalchemy.ext.compiler import compiles
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
        from sqlalchemy import event

        with app.app_context():
            @event.listens_for(db.engine, "connect")
            def _sqlite_pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA busy_timeout=5000")
                cursor.close()
