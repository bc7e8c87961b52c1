"""Feeds, search, one activity, and posting cruds and replies."""
from flask import Blueprint, jsonify, request

from ..auth import current_user, login_optional, login_required
from ..db import utcnow
from ..errors import ApiError
from ..pagination import Page, link_header
from ..services import (create_activity, create_reply, home_activities, notifications_activities,
                        search_activities, show_activity, user_activities)
from ..validation import CreateActivityBody, ReplyBody, is_blank, parse
from .responses import created, listing

bp = Blueprint("activities", __name__, url_prefix="/api/activities")
SEARCH_TERM_MAX = 100


@bp.get("/home")
@login_optional
def home():
    return listing(*home_activities.run(Page.from_request(), utcnow(), current_user()))


@bp.get("/notifications")
@login_required
def notifications():
    return listing(*notifications_activities.run(current_user(), Page.from_request(), utcnow()))


@bp.get("/search")
def search():
    term = request.args.get("term", "").strip()
    if is_blank(term):
        raise ApiError(422, "search_term_blank")
    if len(term) > SEARCH_TERM_MAX:
        raise ApiError(422, "search_term_exceed_max_chars")
    return listing(*search_activities.run(term, Page.from_request(), utcnow()))


@bp.get("/@<handle>")
def user_feed(handle):
    body, next_cursor = user_activities.run(handle, Page.from_request(), utcnow())
    return jsonify(body), 200, link_header(next_cursor)


@bp.get("/@<handle>/status/<activity_uuid>")
def show(handle, activity_uuid):
    body, next_cursor = show_activity.run(handle, activity_uuid, Page.from_request(), utcnow())
    return jsonify(body), 200, link_header(next_cursor)


@bp.post("")
@login_required
def create():
    body = parse(CreateActivityBody)
    return created(create_activity.run(current_user(), body.message, body.ttl, utcnow()))


@bp.post("/<activity_uuid>/reply")
@login_required
def reply(activity_uuid):
    body = parse(ReplyBody)
    return created(create_reply.run(current_user(), activity_uuid, body.message, utcnow()))
