"""One user's profile and live cruds, newest first."""
from sqlalchemy import func, select

from ..db import db
from ..models import Activity
from ..telemetry.service import annotate, service_call
from .activity_queries import page_of, top_level_live, user_by_handle


@service_call
def run(handle, page, now):
    user = user_by_handle(handle)
    mine = (Activity.user_id == user.id, top_level_live(now))
    cruds_count = db.session.scalar(select(func.count(Activity.id)).where(*mine))
    items, next_cursor = page_of(page, select(Activity).where(*mine), now)
    profile = {
        "uuid": user.uuid,
        "handle": user.handle,
        "display_name": user.display_name,
        "bio": user.bio,
        "cruds_count": cruds_count,
    }
    annotate(user_handle=user.handle, result_length=len(items), now=now.isoformat())
    return {"profile": profile, "activities": items}, next_cursor
