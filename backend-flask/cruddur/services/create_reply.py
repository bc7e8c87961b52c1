"""Reply to a live activity; the parent's replies_count grows in the same transaction."""
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..db import transaction
from ..errors import not_found
from ..models import Activity
from ..telemetry.service import annotate, service_call
from .activity_queries import author, live, to_json


@service_call
def run(user, parent_uuid, message, now):
    with transaction() as session:
        parent = session.scalar(select(Activity).where(Activity.uuid == parent_uuid, live(now)))
        if parent is None:
            raise not_found("activity_not_found")
        # A reply never outlives its parent, so an expired crud stays invisible through its replies.
        reply = Activity(
            user=author(user), message=message, created_at=now,
            expires_at=parent.expires_at, reply_to_activity_id=parent.id,
        )
        session.add(reply)
        try:
            session.execute(
                update(Activity).where(Activity.id == parent.id).values(replies_count=Activity.replies_count + 1)
            )
            session.flush()
        except IntegrityError as exc:  # purge-expired deleted the parent since it was read
            if not _parent_gone(exc):
                raise
            raise not_found("activity_not_found") from None
        result = to_json(reply, parent.uuid, replies=[])
    annotate(user_handle=user.handle, activity_uuid=parent_uuid, now=now.isoformat())
    return result


def _parent_gone(exc):
    """A foreign key violation: PostgreSQL's SQLSTATE 23503, SQLite's message."""
    return getattr(exc.orig, "sqlstate", None) == "23503" or "FOREIGN KEY constraint failed" in str(exc.orig)
