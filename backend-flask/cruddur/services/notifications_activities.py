"""Live activities by others that reply to the caller's cruds or mention the caller, newest first:
the caller's rows of `notifications` (written with each activity), one index range."""
from sqlalchemy import select

from ..models import Activity, Notification, User
from ..telemetry.service import annotate, service_call
from .activity_queries import live, page_of


@service_call
def run(user, page, now):
    me = select(User.id).where(User.uuid == user.uuid).scalar_subquery()
    query = (select(Activity).join(Notification, Notification.activity_id == Activity.id)
             .where(Notification.user_id == me, live(now)))
    items, next_cursor = page_of(page, query, now, order=(Notification.created_at, Notification.activity_id))
    annotate(user_handle=user.handle, result_length=len(items), now=now.isoformat())
    return items, next_cursor
