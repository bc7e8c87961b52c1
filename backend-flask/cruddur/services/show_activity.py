"""One live activity by its author's handle and uuid, with its live replies."""
from sqlalchemy import select

from ..db import db
from ..errors import not_found
from ..models import Activity, User
from ..telemetry.service import annotate, service_call
from .activity_queries import feed_json, live


@service_call
def run(handle, activity_uuid, now):
    activity = db.session.scalar(
        select(Activity).join(User, Activity.user_id == User.id)
        .where(Activity.uuid == activity_uuid, User.handle == handle.lower(), live(now))
    )
    if activity is None:
        raise not_found("activity_not_found")
    [item] = feed_json([activity], now)
    annotate(user_handle=handle, activity_uuid=activity_uuid, result_length=len(item["replies"]),
             now=now.isoformat())
    return {"activity": item, "replies": item["replies"]}
