"""What the activity use cases share: visibility rules, reply loading, and the rows made into
`schemas.Activity` (each row is given what its query found: `reply_to_activity_uuid`, and
`replies` where they are inlined)."""
from itertools import islice

from sqlalchemy import and_, bindparam, insert, or_, select, true
from sqlalchemy.orm import aliased, defer, joinedload

from .. import schemas
from ..db import db
from ..models import Activity, Notification, User, mentioned_handles
from ..schemas import INLINE_REPLIES


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


def thread(parent, replies):
    """`replies` of `parent` as `schemas.Activity`, without replies of their own.

    Made before any row of the page is given `replies`: a row is one object per session, so a
    reply that is also a result of its own (in search) must not carry them here."""
    for reply in replies:
        reply.reply_to_activity_uuid = parent.uuid
    return schemas.build(list[schemas.Activity], replies)


def as_activity(row, parent_uuid=None, replies=None):
    """One row as a `schemas.Activity`; `replies` (a list, even empty) inlines them."""
    if replies is not None:
        row.replies = thread(row, replies)
    row.reply_to_activity_uuid = parent_uuid
    return schemas.build(schemas.Activity, row)


def feed(activities, now):
    """A page of rows as `schemas.Activity`, each with its latest replies, in two extra queries at most."""
    replies = replies_for([a.id for a in activities], now)
    parents = parent_uuids(activities)
    for row in activities:
        for reply in replies[row.id]:
            reply.reply_to_activity_uuid = row.uuid
    # Every inlined reply in one pass, before any row of the page is given `replies` (see `thread`).
    inlined = iter(schemas.build(list[schemas.Activity], [r for row in activities for r in replies[row.id]]))
    for row in activities:
        row.reply_to_activity_uuid = parents.get(row.reply_to_activity_id)
        row.replies = list(islice(inlined, len(replies[row.id])))
    return schemas.build(list[schemas.Activity], activities)


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


def page_of(page, query, now, order=(Activity.created_at, Activity.id)):
    """A page of `query`'s activities as `schemas.Activity`, in `order` (columns equal to the rows'
    created_at and id, so that the cursor is the same), and the next page's cursor."""
    rows = list(db.session.scalars(page.apply(query.options(*shown()), *order)))
    rows, next_cursor = page.split(rows, lambda a: (a.created_at, a.id))
    return feed(rows, now), next_cursor
