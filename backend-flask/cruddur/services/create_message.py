"""Send a message: to a handle (starting the conversation if needed) or into a group the caller is in."""
from sqlalchemy import func, select

from ..db import transaction
from ..errors import ApiError
from ..models import Message, MessageGroup, MessageGroupMember
from ..telemetry.service import annotate, service_call
from .activity_queries import author, user_by_handle
from .message_queries import group_for_member, message_json


def _group_between(session, sender, recipient, now):
    shared = (
        select(MessageGroupMember.message_group_id)
        .where(MessageGroupMember.user_id.in_([sender.id, recipient.id]))
        .group_by(MessageGroupMember.message_group_id)
        .having(func.count() == 2)
    )
    group = session.scalar(select(MessageGroup).where(MessageGroup.id.in_(shared)).limit(1))
    if group is None:
        group = MessageGroup(created_at=now, updated_at=now)
        session.add(group)
        session.flush()
        session.add_all([
            MessageGroupMember(message_group_id=group.id, user_id=sender.id),
            MessageGroupMember(message_group_id=group.id, user_id=recipient.id),
        ])
    return group


@service_call
def run(user, message, now, handle=None, group_uuid=None):
    if bool(handle) == bool(group_uuid):
        raise ApiError(422, "recipient_required")
    with transaction() as session:
        sender = author(user)
        if group_uuid:
            group = group_for_member(group_uuid, user)
        else:
            recipient = user_by_handle(handle)
            if recipient.id == sender.id:
                raise ApiError(422, "handle_is_self")
            group = _group_between(session, sender, recipient, now)
        row = Message(message_group_id=group.id, user=sender, message=message, created_at=now)
        session.add(row)
        group.updated_at = now
        session.flush()
        result = message_json(row, group.uuid)
    annotate(user_handle=user.handle, message_group_uuid=group.uuid)
    return result
