"""What the activity use cases share: visibility rules, reply loading, and the rows made into
`schemas.Activity` from plain data (`activity_data`): a row's columns and author, its parent's uuid,
and `replies` where they are inlined. No row is given attributes of its own."""
from sqlalchemy import and_, bindparam, insert, or_, select, true
from sqlalchemy.orm import aliased, defer, joinedload

from .. import schemas
from ..db import db
from ..models import Activity, Notification, User, mentioned_handles
from ..schemas import INLINE_REPLIES
from .keyset import fetch_page
from .user_queries import author


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


def shown(entity=Activity):
    """Loader options: what a response shows of a row and nothing more. Not `message_folded`
    (search's column), and of the author only what `schemas.Activity` reads, never `password_hash`
    or `email`."""
    return (defer(entity.message_folded),
            joinedload(entity.user).load_only(User.uuid, User.handle, User.display_name))


# The latest INLINE_REPLIES live replies of each parent in the `parent_ids` list: one statement of
# fixed shape per database (the ids are an expanding parameter), which SQLAlchemy compiles once.
# Per parent it reads a short index range (ix_activities_feed, backwards), so a crud with thousands
# of replies costs what one with three does, and the table's size costs nothing.
# - PostgreSQL: a LATERAL subquery per parent. The correlated `IN (... LIMIT n)` below is planned
#   there as a nested loop over every activity for each parent on the page.
# - SQLite has no LATERAL; it runs that correlated `IN` once per parent, as written.
_ReplyParent = aliased(Activity, name="reply_parent")
_PARENT_IDS = bindparam("parent_ids", expanding=True)


def _newest_replies(latest):
    return (latest.reply_to_activity_id == _ReplyParent.id, latest.expires_at > bindparam("now"))


def _latest_replies_lateral():
    latest = aliased(Activity, name="latest")
    rows = (select(latest).where(*_newest_replies(latest))
            .order_by(latest.created_at.desc(), latest.id.desc()).limit(INLINE_REPLIES)
            .lateral("latest_replies"))
    reply = aliased(Activity, rows, name="reply")
    return (select(reply).select_from(_ReplyParent).join(rows, true())
            .where(_ReplyParent.id.in_(_PARENT_IDS))
            .order_by(reply.created_at, reply.id).options(*shown(reply)))


def _latest_replies_correlated():
    latest = aliased(Activity, name="latest")
    newest_ids = (select(latest.id).where(*_newest_replies(latest))
                  .order_by(latest.created_at.desc(), latest.id.desc()).limit(INLINE_REPLIES)
                  .correlate(_ReplyParent))
    return (select(Activity).select_from(_ReplyParent).join(Activity, Activity.id.in_(newest_ids))
            .where(_ReplyParent.id.in_(_PARENT_IDS))
            .order_by(Activity.created_at, Activity.id).options(*shown()))


LATEST_REPLIES = {"postgresql": _latest_replies_lateral(), "sqlite": _latest_replies_correlated()}


def replies_for(parent_ids, now):
    """The latest INLINE_REPLIES live replies of each parent, oldest first, keyed by parent id."""
    grouped = {pid: [] for pid in parent_ids}
    if not parent_ids:
        return grouped
    statement = LATEST_REPLIES[db.session.get_bind().dialect.name]
    for reply in db.session.scalars(statement, {"now": now, "parent_ids": list(parent_ids)}):
        grouped[reply.reply_to_activity_id].append(reply)
    return grouped


def parent_uuids(activities):
    ids = {a.reply_to_activity_id for a in activities if a.reply_to_activity_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(Activity.id, Activity.uuid).where(Activity.id.in_(ids))).all())


COLUMNS = ("uuid", "message", "created_at", "expires_at", "likes_count", "replies_count", "reposts_count")


def activity_data(row, parent_uuid=None, replies=None):
    """One row as the plain data `schemas.Activity` reads; `replies` (rows, even an empty list)
    are inlined as data of their own, and left out (unset) when None."""
    data = {name: getattr(row, name) for name in COLUMNS}
    data.update(user=author(row.user), reply_to_activity_uuid=parent_uuid)
    if replies is not None:
        data["replies"] = [activity_data(reply, row.uuid) for reply in replies]
    return data


def thread(parent, replies):
    """`replies` of `parent` as `schemas.Activity`, without replies of their own."""
    return schemas.build(list[schemas.Activity], [activity_data(reply, parent.uuid) for reply in replies])


def as_activity(row, parent_uuid=None, replies=None):
    """One row as a `schemas.Activity`; `replies` (a list, even empty) inlines them."""
    return schemas.build(schemas.Activity, activity_data(row, parent_uuid, replies))


def feed(activities, now):
    """A page of rows as `schemas.Activity`, each with its latest replies, in two extra queries at most."""
    replies = replies_for([a.id for a in activities], now)
    parents = parent_uuids(activities)
    return schemas.build(list[schemas.Activity], [
        activity_data(row, parents.get(row.reply_to_activity_id), replies[row.id]) for row in activities])


def notify(activity, parent_author_id=None):
    """Write the notifications of a new activity, in the caller's transaction: one for the author
    of the crud it replies to, and one for each user it mentions; never one for its own author."""
    concerned = set()
    if parent_author_id is not None:
        concerned.add(parent_author_id)
    handles = mentioned_handles(activity.message)
    if handles:
        concerned.update(db.session.scalars(select(User.id).where(User.handle.in_(handles))))
    concerned.discard(activity.user_id)
    if concerned:
        db.session.execute(insert(Notification), [
            {"user_id": user_id, "activity_id": activity.id, "created_at": activity.created_at}
            for user_id in sorted(concerned)])


def page_of(page, query, now, created_col=Activity.created_at, id_col=Activity.id):
    """A page of `query`'s activities as `schemas.Activity`, ordered by `created_col` and `id_col`
    (the activity's own, or columns equal to them, such as a notification's), and the next page's cursor."""
    rows, next_cursor = fetch_page(page, query.options(*shown()), created_col, id_col,
                                   row_key=lambda activity: (activity.created_at, activity.id))
    return feed(rows, now), next_cursor
