"""A user's public card: uuid, handle and display name."""
from ..telemetry.service import annotate, service_call
from .activity_queries import user_by_handle


@service_call
def run(handle):
    user = user_by_handle(handle)
    annotate(user_handle=user.handle)
    return {"uuid": user.uuid, "handle": user.handle, "display_name": user.display_name}
