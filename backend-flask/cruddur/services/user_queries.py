"""User lookups the use cases share: a user by handle, and the signed-in user's own row."""
from sqlalchemy import select
from sqlalchemy.orm import load_only

from ..db import db
from ..errors import ApiError, not_found
from ..models import User


def user_by_handle(handle):
    """A user's public row (never its `password_hash` or `email`); 404 for an unknown handle."""
    user = db.session.scalar(select(User).where(User.handle == handle.lower())
                             .options(load_only(User.uuid, User.handle, User.display_name, User.bio)))
    if user is None:
        raise not_found("user_not_found")
    return user


def signed_in_user_row(user):
    """The `models.User` row of the signed-in `auth.CurrentUser`; 401 for a valid token whose
    account no longer exists."""
    row = db.session.scalar(select(User).where(User.uuid == user.uuid))
    if row is None:
        raise ApiError(401, "user_not_found")
    return row
