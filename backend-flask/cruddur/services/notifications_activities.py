"""Live activities by others that reply to the caller's cruds or mention the caller."""
from sqlalchemy import or_, select

from ..models import Activity, User
from ..telemetry.service import annotate, service_call
from .activity_queries import Parent, escape_like, live, page_of


@service_call
def run(user, page, now):
    me = select(User.id).where(User.uuid == user.uuid).scalar_subquery()
    mention = Activity.message.ilike(f"%@{escape_like(user.handle)}%", escape="\\")
    query = (
        select(Activity)
        .outerjoin(Parent, Activity.reply_to_activity_id == Parent.id)
        .where(live(now), Activity.user_id != me, or_(Parent.user_id == me, mention))
    )
    items, next_cursor = page_of(page, query, now)
    annotate(user_handle=user.handle, result_length=len(items), now=now.isoformat())
    return items, next_cursor
