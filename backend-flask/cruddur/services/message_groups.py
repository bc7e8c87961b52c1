"""The caller's conversations, most recently active first, each with its last message."""
from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased, lazyload, selectinload

from .. import schemas
from ..db import db
from ..models import Message, MessageGroup, MessageGroupMember
from ..telemetry.service import annotate, service_call
from .keyset import fetch_page
from .message_queries import shown_user
from .user_queries import signed_in_user_id

# Each group's newest message: per group, one step of ix_messages_group_created read backwards, then
# the message by its key. (`max(id) ... GROUP BY` is planned by PostgreSQL as a scan of every message.)
_newest = aliased(Message, name="newest")
_last_ids = (
    select(MessageGroup.id.label("group_id"),
           select(_newest.id).where(_newest.message_group_id == MessageGroup.id)
           .order_by(_newest.created_at.desc(), _newest.id.desc()).limit(1).scalar_subquery().label("message_id"))
    .where(MessageGroup.id.in_(bindparam("group_ids", expanding=True)))
    .subquery("last_ids")
)
LAST_MESSAGES = select(Message).join(_last_ids, Message.id == _last_ids.c.message_id).options(lazyload(Message.user))


@service_call
def run(user, page):
    query = (
        select(MessageGroup)
        .join(MessageGroupMember, MessageGroupMember.message_group_id == MessageGroup.id)
        .where(MessageGroupMember.user_id == signed_in_user_id(user))
        .options(shown_user(selectinload(MessageGroup.members)))
    )
    groups, next_cursor = fetch_page(page, query, MessageGroup.updated_at, MessageGroup.id)
    last = {m.message_group_id: m for m in db.session.scalars(LAST_MESSAGES, {"group_ids": [g.id for g in groups]})}
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
