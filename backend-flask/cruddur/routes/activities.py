"""Feeds, search, one activity, and posting cruds and replies."""
from flask import Blueprint

from ..auth import current_user, login_optional, login_required
from ..db import utcnow
from ..operations import operation
from ..schemas import Activity, ActivityPage, UserFeed, Uuid
from ..services import (
    create_activity,
    create_reply,
    home_activities,
    notifications_activities,
    search_activities,
    show_activity,
    user_activities,
)
from ..validation import CreateActivityBody, Handle, ReplyBody, SearchQuery

bp = Blueprint("activities", __name__, url_prefix="/api/activities")


@bp.get("/home")
@login_optional
@operation("Live cruds, newest first, each with its latest replies", list[Activity], paged=True)
def home(page):
    return home_activities.run(current_user(), page, utcnow())


@bp.get("/notifications")
@login_required
@operation("Replies to and mentions of the caller", list[Activity], paged=True)
def notifications(page):
    return notifications_activities.run(current_user(), page, utcnow())


@bp.get("/search")
@operation("Live activities whose message contains `term`", list[Activity], query=SearchQuery, paged=True)
def search(query, page):
    return search_activities.run(query.term, page, utcnow())


@bp.get("/@<handle>")
@operation("A user's profile and live cruds", UserFeed, paged=True, errors=(404,))
def user_feed(handle: Handle, page):
    return user_activities.run(handle, page, utcnow())


@bp.get("/@<handle>/status/<activity_uuid>")
@operation("One live activity and a page of its replies, oldest first", ActivityPage, paged=True, errors=(404,))
def show(handle: Handle, activity_uuid: Uuid, page):
    return show_activity.run(handle, activity_uuid, page, utcnow())


@bp.post("")
@login_required
@operation("Post a crud", Activity, status=201, body=CreateActivityBody)
def create(body):
    return create_activity.run(current_user(), body.message, body.ttl, utcnow())


@bp.post("/<activity_uuid>/reply")
@login_required
@operation("Reply to a live crud (a reply to a reply is 422 `reply_to_reply`)", Activity, status=201,
           body=ReplyBody, errors=(404,))
def reply(activity_uuid: Uuid, body):
    return create_reply.run(current_user(), activity_uuid, body.message, utcnow())
