"""Reply to a live crud (not to a reply: 422 reply_to_reply); the parent's replies_count grows in
the same transaction."""
from sqlalchemy import select, update

from ..db import transaction
from ..errors import ApiError, not_found
from ..models import Activity
from ..telemetry.service import annotate, service_call
from .activity_queries import as_activity, live, notify
from .user_queries import signed_in_user_row


@service_call
def run(user, parent_uuid, message, now):
    with transaction() as session:
        parent = session.scalar(select(Activity).where(Activity.uuid == parent_uuid, live(now)))
        if parent is None:
            raise not_found("activity_not_found")
        if parent.reply_to_activity_id is not None:
            # Threads are one level deep: a reply to a reply would belong to no thread a page shows.
            raise ApiError(422, "reply_to_reply")
        # Counting first locks the parent (its row on PostgreSQL, the write lock on SQLite), so
        # purge-expired cannot delete it before the reply is written; if a purge deleted it since
        # it was read, nothing is counted. The uuid too: SQLite may give a purged id to a new row.
        counted = session.execute(
            update(Activity).where(Activity.id == parent.id, Activity.uuid == parent.uuid)
            .values(replies_count=Activity.replies_count + 1)
        ).rowcount
        if not counted:
            raise not_found("activity_not_found")
        # A reply never outlives its parent, so an expired crud stays invisible through its replies.
        reply = Activity(
            user=signed_in_user_row(user), message=message, created_at=now,
            expires_at=parent.expires_at, reply_to_activity_id=parent.id,
        )
        session.add(reply)
        session.flush()
        notify(reply, parent_author_id=parent.user_id)
        result = as_activity(reply, parent.uuid, replies=[])
    annotate(user_handle=user.handle, activity_uuid=parent_uuid, now=now.isoformat())
    return result
