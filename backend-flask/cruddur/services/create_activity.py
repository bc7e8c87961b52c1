"""Post a crud that expires after its ttl."""
from datetime import timedelta

from ..db import transaction
from ..models import Activity
from ..telemetry.service import annotate, service_call
from ..validation import TTLS
from .activity_queries import as_activity, notify
from .user_queries import signed_in_user_row


@service_call
def run(user, message, ttl, now):
    with transaction() as session:
        activity = Activity(
            user=signed_in_user_row(user), message=message, created_at=now, expires_at=now + timedelta(hours=TTLS[ttl])
        )
        session.add(activity)
        session.flush()
        notify(activity)
        result = as_activity(activity, replies=[])
    annotate(user_handle=user.handle, activity_uuid=activity.uuid, ttl=ttl, now=now.isoformat())
    return result
