"""User lookups the use cases share: a user by handle, the signed-in user's own row and id, and
what a response shows of an author."""
from sqlalchemy import select
from sqlalchemy.orm import load_only

from ..db import db
from ..errors import ApiError, not_found
from ..models import User


def author(user):
    """What a response shows of an activity's or a message's author: the fields `schemas` read
    under `user`, as plain data."""
    return {"handle": user.handle, "display_name": user.display_name}


def user_by_handle(handle):
    """A user's public row (never its `password_hash` or `email`); 404 for an unknown handle."""
    user = db.session.scalar(select(User).where(User.handle == handle.lower())
                             .options(load_only(User.uuid, User.handle, User.display_name, User.bio)))
    if user is None:
        raise not_found("user_not_found")
    return user


def signed_in_user_id(user):
    """The signed-in `auth.CurrentUser`'s `users.id`, as a scalar subquery (tokens carry the uuid)."""
    return select(User.id).where(User.uuid == user.uuid).scalar_subquery()


def signed_in_user_row(user):
    """The `models.User` row of the signed-in `auth.CurrentUser`; 401 for a valid token whose
    account no longer exists."""
    row = db.session.scalar(select(User).where(User.uuid == user.uuid))
    if row is None:
        raise ApiError(401, "user_not_found")
    return row
