"""Conversations between two users, for their members only."""
from flask import Blueprint

from ..auth import current_user, login_required
from ..db import utcnow
from ..operations import operation
from ..schemas import Message, MessageGroup, Uuid
from ..services import create_message, group_messages, message_groups
from ..validation import CreateMessageBody

bp = Blueprint("messages", __name__, url_prefix="/api")


@bp.get("/message_groups")
@login_required
@operation("The caller's conversations, most recent first", list[MessageGroup], paged=True)
def groups(page):
    return message_groups.run(current_user(), page)


@bp.get("/messages/<group_uuid>")
@login_required
@operation("Messages of a conversation the caller belongs to, oldest first", list[Message], paged=True,
           errors=(404,))
def conversation(group_uuid: Uuid, page):
    return group_messages.run(current_user(), group_uuid, page)


@bp.post("/messages")
@login_required
@operation("Send a message to `handle`, or into `message_group_uuid`", Message, status=201,
           body=CreateMessageBody, errors=(404,))
def send(body):
    return create_message.run(current_user(), body.message, utcnow(),
                              handle=body.handle, group_uuid=body.message_group_uuid)
