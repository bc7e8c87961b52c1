"""What the conversation use cases share: membership checks, and message rows made into `schemas.Message`."""
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from .. import schemas
from ..db import db
from ..errors import not_found
from ..models import MessageGroup, MessageGroupMember, User
from .user_queries import author, signed_in_user_id


def shown_user(relationship):
    """A loader option: of a message's author or a group's member, only what a response shows
    (never `password_hash` or `email`)."""
    return relationship.load_only(User.uuid, User.handle, User.display_name)


def group_for_member(group_uuid, user):
    """The group, if the user belongs to it; 404 otherwise, so non-members learn nothing."""
    group = db.session.scalar(
        select(MessageGroup)
        .join(MessageGroupMember, MessageGroupMember.message_group_id == MessageGroup.id)
        .where(MessageGroup.uuid == group_uuid, MessageGroupMember.user_id == signed_in_user_id(user))
        .options(lazyload(MessageGroup.members))  # membership is the join above; no member row is shown
    )
    if group is None:
        raise not_found("message_group_not_found")
    return group


def as_messages(rows, group_uuid):
    """Rows of the conversation `group_uuid` as `schemas.Message`."""
    return schemas.build(list[schemas.Message], [
        {"uuid": row.uuid, "message_group_uuid": group_uuid, "user": author(row.user), "message": row.message,
         "created_at": row.created_at} for row in rows])
