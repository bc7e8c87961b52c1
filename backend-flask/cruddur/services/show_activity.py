"""One live crud by its author's handle and uuid, and a page of its live replies, oldest first."""
from sqlalchemy import select

from .. import schemas
from ..db import db
from ..errors import not_found
from ..models import Activity, User
from ..telemetry.service import annotate, service_call
from .activity_queries import as_activity, live, parent_uuids, shown, thread
from .keyset import fetch_page


@service_call
def run(handle, activity_uuid, page, now):
    activity = db.session.scalar(
        select(Activity).join(User, Activity.user_id == User.id)
        .where(Activity.uuid == activity_uuid, User.handle == handle.lower(), live(now)).options(*shown())
    )
    if activity is None:
        raise not_found("activity_not_found")
    # Every reply, a page at a time (Link: rel="next"), rather than inlined in the activity as in feeds.
    query = (select(Activity).where(Activity.reply_to_activity_id == activity.id, Activity.expires_at > now)
             .options(*shown()))
    rows, next_cursor = fetch_page(page, query, Activity.created_at, Activity.id, newest_first=False)
    parent_uuid = parent_uuids([activity]).get(activity.reply_to_activity_id)
    # The activity without `replies`: each reply is sent once, in the page below it.
    body = schemas.build(schemas.ActivityPage, {"activity": as_activity(activity, parent_uuid),
                                                "replies": thread(activity, rows)})
    annotate(user_handle=handle, activity_uuid=activity_uuid, result_length=len(rows), now=now.isoformat())
    return body, next_cursor
