"""Live activities by others that reply to the caller's cruds or mention the caller."""
import re

from sqlalchemy import and_, or_, select

from ..models import Activity, User, fold
from ..telemetry.service import annotate, service_call
from .activity_queries import Parent, escape_like, live, page_of


@service_call
def run(user, page, now):
    me = select(User.id).where(User.uuid == user.uuid).scalar_subquery()
    # A whole handle only: `@bayko`, not `@baykofan` or `me@bayko.example`. The LIKE on the folded
    # message narrows the rows (its trigram index on PostgreSQL); the regular expression draws the
    # boundaries (SQLite's REGEXP is Python's re, registered by SQLAlchemy's pysqlite dialect;
    # PostgreSQL's is ~; both read the leading (?i)).
    handle = re.escape(user.handle.lower())
    mention = and_(Activity.message_folded.like(f"%@{escape_like(fold(user.handle))}%", escape="\\"),
                   Activity.message.regexp_match(f"(?i)(^|[^a-z0-9_])@{handle}($|[^a-z0-9_])"))
    query = (
        select(Activity)
        .outerjoin(Parent, Activity.reply_to_activity_id == Parent.id)
        .where(live(now), Activity.user_id != me, or_(Parent.user_id == me, mention))
    )
    items, next_cursor = page_of(page, query, now)
    annotate(user_handle=user.handle, result_length=len(items), now=now.isoformat())
    return items, next_cursor
