"""The caller's conversations, most recently active first, each with its last message."""
from sqlalchemy import func, select

from .. import schemas
from ..db import db
from ..models import Message, MessageGroup, MessageGroupMember
from ..telemetry.service import annotate, service_call
from .message_queries import member_id


@service_call
def run(user, page):
    query = (
        select(MessageGroup)
        .join(MessageGroupMember, MessageGroupMember.message_group_id == MessageGroup.id)
        .where(MessageGroupMember.user_id == member_id(user))
    )
    groups = list(db.session.scalars(page.apply(query, MessageGroup.updated_at, MessageGroup.id)))
    groups, next_cursor = page.split(groups, lambda g: (g.updated_at, g.id))
    last_ids = select(func.max(Message.id)).where(Message.message_group_id.in_([g.id for g in groups]))
    last = {m.message_group_id: m for m in db.session.scalars(
        select(Message).where(Message.id.in_(last_ids.group_by(Message.message_group_id))))}
    summaries = []
    for group in groups:
        other = next((m for m in group.members if m.uuid != user.uuid), group.members[0])
        message = last.get(group.id)
        summaries.append({"uuid": group.uuid, "handle": other.handle, "display_name": other.display_name,
                          "message": message.message if message else "",
                          "created_at": message.created_at if message else group.updated_at})
    items = schemas.build(list[schemas.MessageGroup], summaries)
    annotate(user_handle=user.handle, result_length=len(items))
    return items, next_cursor
