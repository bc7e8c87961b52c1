"""Create an account and sign it in."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import schemas
from ..auth import hash_password, issue_token
from ..db import db, transaction
from ..errors import ApiError
from ..models import User
from ..telemetry.service import annotate, service_call


def signed_in(user):
    """The signed-in `schemas.Session` of `user`: the user and a fresh access token."""
    return schemas.build(schemas.Session, {"user": user, "access_token": issue_token(user)})


def _taken(body):
    codes = []
    if db.session.scalar(select(User.id).where(User.handle == body.handle)):
        codes.append("handle_taken")
    if db.session.scalar(select(User.id).where(User.email == body.email)):
        codes.append("email_taken")
    return codes


@service_call
def run(body):
    # The hash comes first, whatever the answer: a taken handle or email costs what a new account
    # costs, so sign-up's timing tells no more than sign-in's (and answers no faster).
    password_hash = hash_password(body.password)
    if codes := _taken(body):
        raise ApiError(422, *codes)
    user = User(handle=body.handle, display_name=body.display_name, email=body.email,
                password_hash=password_hash)
    try:
        with transaction() as session:
            session.add(user)
    except IntegrityError:  # lost a race with a concurrent sign-up
        raise ApiError(422, *(_taken(body) or ["handle_taken"])) from None
    annotate(user_handle=user.handle)
    return signed_in(user)
