"""Conversations between two users, for their members only."""
from flask import Blueprint

from ..auth import current_user, login_required
from ..db import utcnow
from ..pagination import Page
from ..services import create_message, message_groups, messages
from ..validation import CreateMessageBody, parse
from .responses import created, listing

bp = Blueprint("messages", __name__, url_prefix="/api")


@bp.get("/message_groups")
@login_required
def groups():
    return listing(*message_groups.run(current_user(), Page.from_request()))


@bp.get("/messages/<group_uuid>")
@login_required
def conversation(group_uuid):
    return listing(*messages.run(current_user(), group_uuid, Page.from_request()))


@bp.post("/messages")
@login_required
def send():
    body = parse(CreateMessageBody)
    return created(create_message.run(current_user(), body.message, utcnow(),
                                      handle=body.handle, group_uuid=body.message_group_uuid))
