"""Sign in by handle or email and password."""
from sqlalchemy import or_, select

from ..auth import burn_password_check, verify_password
from ..db import db
from ..errors import ApiError
from ..models import User
from ..telemetry.service import annotate, service_call
from .signup import signed_in


@service_call
def run(login, password):
    user = db.session.scalar(select(User).where(or_(User.handle == login, User.email == login)))
    if user is None:
        burn_password_check(password)
        raise ApiError(401, "invalid_credentials")
    if not verify_password(user.password_hash, password):
        raise ApiError(401, "invalid_credentials")
    annotate(user_handle=user.handle)
    return signed_in(user)
