"""One user's profile and live cruds, newest first."""
from sqlalchemy import func, select

from .. import schemas
from ..db import db, likely
from ..models import Activity
from ..telemetry.service import annotate, service_call
from .activity_queries import page_of, top_level_live
from .user_queries import user_by_handle


@service_call
def run(handle, page, now):
    user = user_by_handle(handle)
    mine = (Activity.user_id == user.id, top_level_live(now))
    # count(*) reads only the partial ix_activities_user_cruds (user_id, expires_at): an index-only
    # scan on PostgreSQL, where count(id) would visit every live crud's row.
    cruds_count = db.session.scalar(select(func.count()).select_from(Activity).where(*mine))
    # Most of a user's cruds are live. Said so, SQLite reads the page from ix_activities_user_feed
    # in order instead of taking ix_activities_user_cruds for the expiry and sorting every live crud.
    newest = select(Activity).where(Activity.user_id == user.id, Activity.reply_to_activity_id.is_(None),
                                    likely(Activity.expires_at > now))
    items, next_cursor = page_of(page, newest, now)
    annotate(user_handle=user.handle, result_length=len(items), now=now.isoformat())
    profile = {"uuid": user.uuid, "handle": user.handle, "display_name": user.display_name, "bio": user.bio,
               "cruds_count": cruds_count}
    return schemas.build(schemas.UserFeed, {"profile": profile, "activities": items}), next_cursor
