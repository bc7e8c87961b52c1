"""Live activities by others that reply to the caller's cruds or mention the caller, newest first:
the caller's rows of `notifications` (written with each activity), one index range."""
from sqlalchemy import select

from ..models import Activity, Notification
from ..telemetry.service import annotate, service_call
from .activity_queries import live, page_of
from .user_queries import signed_in_user_id


@service_call
def run(user, page, now):
    query = (select(Activity).join(Notification, Notification.activity_id == Activity.id)
             .where(Notification.user_id == signed_in_user_id(user), live(now)))
    items, next_cursor = page_of(page, query, now, Notification.created_at, Notification.activity_id)
    annotate(user_handle=user.handle, result_length=len(items), now=now.isoformat())
    return items, next_cursor
