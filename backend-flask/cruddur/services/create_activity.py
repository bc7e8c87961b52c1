"""Post a crud that expires after its ttl."""
from datetime import timedelta

from sqlalchemy import select

from ..db import db, transaction
from ..errors import ApiError
from ..models import Activity, User
from ..telemetry.service import annotate, service_call
from ..validation import TTLS
from .activity_queries import to_json


def author(user):
    row = db.session.scalar(select(User).where(User.uuid == user.uuid))
    if row is None:  # a valid token for an account that no longer exists
        raise ApiError(401, "user_not_found")
    return row


@service_call
def run(user, message, ttl, now):
    with transaction() as session:
        activity = Activity(
            user=author(user), message=message, created_at=now, expires_at=now + timedelta(hours=TTLS[ttl])
        )
        session.add(activity)
        session.flush()
        result = to_json(activity, replies=[])
    annotate(user_handle=user.handle, activity_uuid=activity.uuid, ttl=ttl, now=now.isoformat())
    return result
