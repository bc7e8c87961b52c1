"""The messages of one conversation, oldest first, for its members only."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..models import Message
from ..telemetry.service import annotate, service_call
from .keyset import fetch_page
from .message_queries import as_messages, group_for_member, shown_user


@service_call
def run(user, group_uuid, page):
    group = group_for_member(group_uuid, user)
    query = select(Message).where(Message.message_group_id == group.id).options(shown_user(joinedload(Message.user)))
    rows, next_cursor = fetch_page(page, query, Message.created_at, Message.id, newest_first=False)
    items = as_messages(rows, group.uuid)
    annotate(user_handle=user.handle, message_group_uuid=group.uuid, result_length=len(items))
    return items, next_cursor
