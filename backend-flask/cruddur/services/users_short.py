"""A user's public card: uuid, handle and display name."""
from .. import schemas
from ..telemetry.service import annotate, service_call
from .user_queries import user_by_handle


@service_call
def run(handle):
    user = user_by_handle(handle)
    annotate(user_handle=user.handle)
    return schemas.build(schemas.UserShort, user)
