"""The Cruddur user linked to a Cognito `sub`: a service of its own, so the lookup that signs a
Cognito token in has its span and subsegment like every other database call."""
from sqlalchemy import select

from ..db import db
from ..errors import ApiError
from ..models import User
from ..telemetry.service import service_call


@service_call
def run(sub):
    """(uuid, handle) of the linked user; 401 when no user is linked to `sub`."""
    user = db.session.scalar(select(User).where(User.cognito_user_id == sub))
    if user is None:
        raise ApiError(401, "user_not_found")
    return user.uuid, user.handle
