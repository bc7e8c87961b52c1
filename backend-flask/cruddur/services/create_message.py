"""Send a message: to a handle (starting the conversation if needed) or into a group the caller is in."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..db import transaction
from ..errors import ApiError
from ..models import Message, MessageGroup, MessageGroupMember, MessageGroupPair
from ..telemetry.service import annotate, service_call
from .message_queries import as_messages, group_for_member
from .user_queries import signed_in_user_row, user_by_handle


def _pair_group(session, low, high):
    return session.scalar(
        select(MessageGroup).join(MessageGroupPair, MessageGroupPair.message_group_id == MessageGroup.id)
        .where(MessageGroupPair.user_low_id == low, MessageGroupPair.user_high_id == high)
    )


def _group_between(session, sender, recipient, now):
    """The pair's one conversation, or a new one (its pair row makes a concurrent second one fail)."""
    low, high = sorted((sender.id, recipient.id))
    group = _pair_group(session, low, high)
    if group is None:
        group = MessageGroup(created_at=now, updated_at=now)
        session.add(group)
        session.flush()
        session.add_all([
            MessageGroupPair(user_low_id=low, user_high_id=high, message_group_id=group.id),
            MessageGroupMember(message_group_id=group.id, user_id=sender.id),
            MessageGroupMember(message_group_id=group.id, user_id=recipient.id),
        ])
        session.flush()
    return group


def _send(user, message, now, handle, group_uuid):
    with transaction() as session:
        sender = signed_in_user_row(user)
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
        [sent] = as_messages([row], group.uuid)
        return sent, group.uuid


@service_call
def run(user, message, now, handle=None, group_uuid=None):
    if bool(handle) == bool(group_uuid):
        raise ApiError(422, "recipient_required")
    try:
        result, uuid = _send(user, message, now, handle, group_uuid)
    except IntegrityError:
        # Two first messages raced and the other one made the pair's conversation: its transaction
        # is committed by now (PostgreSQL reports the conflict only after the winner commits; SQLite
        # runs one writer at a time), so the second attempt finds the conversation and joins it.
        result, uuid = _send(user, message, now, handle, group_uuid)
    annotate(user_handle=user.handle, message_group_uuid=uuid)
    return result
