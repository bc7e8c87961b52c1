"""The database enforces what validation promises, whoever writes to it."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError

from cruddur.db import db
from cruddur.models import Activity, User

POSTGRESQL_ONLY = {"ix_activities_message_folded_trgm"}


@pytest.mark.parametrize("message,is_reply,ok", [
    ("x" * 280, False, True), ("x" * 281, False, False), ("x" * 1024, True, True),
    ("x" * 1025, True, False), ("", False, False),
])
def test_message_lengths_are_checked_by_the_database(api_app, message, is_reply, ok):
    with api_app.app_context():
        user = db.session.scalar(select(User).limit(1))
        parent = db.session.scalar(select(Activity).where(Activity.reply_to_activity_id.is_(None)).limit(1))
        now = datetime.now(UTC)
        db.session.add(Activity(user=user, message=message, created_at=now, expires_at=now + timedelta(hours=1),
                                reply_to_activity_id=parent.id if is_reply else None))
        if ok:
            db.session.commit()
        else:
            with pytest.raises((IntegrityError, DataError)):  # PostgreSQL rejects over-long varchar first
                db.session.commit()
        db.session.rollback()


def test_migrations_match_the_models(api_app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def include(obj, name, type_, reflected, compare_to):
        # The trigram index exists on PostgreSQL only (the model marks it ddl_if postgresql).
        return not (type_ == "index" and name in POSTGRESQL_ONLY and connection.dialect.name != "postgresql")

    with api_app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
