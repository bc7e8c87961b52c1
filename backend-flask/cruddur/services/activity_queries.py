"""What the activity use cases share: visibility rules, reply loading and the JSON shape."""
from sqlalchemy import and_, or_, select, union_all
from sqlalchemy.orm import aliased

from ..db import db
from ..errors import ApiError, not_found
from ..models import Activity, User

Parent = aliased(Activity, name="parent")


def escape_like(term):
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def live(now):
    """An activity is live until it expires; a reply is live only while its parent is.

    The parent's expiry is a per-row primary-key lookup (a scalar subquery), which PostgreSQL
    otherwise turns into a hashed semi-join over every live activity."""
    parent = aliased(Activity)
    parent_expires = select(parent.expires_at).where(parent.id == Activity.reply_to_activity_id).scalar_subquery()
    return and_(Activity.expires_at > now, or_(Activity.reply_to_activity_id.is_(None), parent_expires > now))


def top_level_live(now):
    return and_(Activity.reply_to_activity_id.is_(None), Activity.expires_at > now)


def user_by_handle(handle):
    user = db.session.scalar(select(User).where(User.handle == handle.lower()))
    if user is None:
        raise not_found("user_not_found")
    return user


def author(user):
    """The signed-in user's row; 401 for a valid token whose account no longer exists."""
    row = db.session.scalar(select(User).where(User.uuid == user.uuid))
    if row is None:
        raise ApiError(401, "user_not_found")
    return row


INLINE_REPLIES = 3  # a feed item carries at most this many of its latest replies


def replies_for(parent_ids, now, per_parent=INLINE_REPLIES):
    """The latest `per_parent` live replies of each parent, oldest first, keyed by parent id.

    One statement per page: a UNION ALL of one short index range (ix_activities_feed, read
    backwards) per parent, so a crud with thousands of replies costs what one with three does."""
    grouped = {pid: [] for pid in parent_ids}
    if not parent_ids:
        return grouped
    latest = [
        select(Activity.id).where(Activity.reply_to_activity_id == pid, Activity.expires_at > now)
        .order_by(Activity.created_at.desc(), Activity.id.desc()).limit(per_parent).subquery()
        for pid in parent_ids
    ]
    ids = [select(part.c.id) for part in latest]
    rows = db.session.scalars(
        select(Activity).where(Activity.id.in_(union_all(*ids) if len(ids) > 1 else ids[0]))
        .order_by(Activity.created_at, Activity.id)
    )
    for reply in rows:
        grouped[reply.reply_to_activity_id].append(reply)
    return grouped


def parent_uuids(activities):
    ids = {a.reply_to_activity_id for a in activities if a.reply_to_activity_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(Activity.id, Activity.uuid).where(Activity.id.in_(ids))).all())


def to_json(activity, parent_uuid=None, replies=None):
    data = {
        "uuid": activity.uuid,
        "handle": activity.user.handle,
        "display_name": activity.user.display_name,
        "message": activity.message,
        "created_at": activity.created_at.isoformat(),
        "expires_at": activity.expires_at.isoformat(),
        "likes_count": activity.likes_count,
        "replies_count": activity.replies_count,
        "reposts_count": activity.reposts_count,
        "reply_to_activity_uuid": parent_uuid,
    }
    if replies is not None:
        data["replies"] = [to_json(r, activity.uuid) for r in replies]
    return data


def feed_json(activities, now):
    """Serialise a page of activities with their replies, in two extra queries at most."""
    replies = replies_for([a.id for a in activities], now)
    parents = parent_uuids(activities)
    return [to_json(a, parents.get(a.reply_to_activity_id), replies[a.id]) for a in activities]


def page_of(page, query, now):
    rows = list(db.session.scalars(page.apply(query, Activity.created_at, Activity.id)))
    rows, next_cursor = page.split(rows, lambda a: (a.created_at, a.id))
    return feed_json(rows, now), next_cursor
