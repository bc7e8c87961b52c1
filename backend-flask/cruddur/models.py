"""Cruddur's tables: users, activities (cruds and replies), conversations and their messages."""
import re
import unicodedata
import uuid as uuid_lib

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import UTCDateTime, db, utcnow

MESSAGE_MAX = 1024


def new_uuid():
    return str(uuid_lib.uuid4())


def fold(text):
    """The form search compares: NFC, then Unicode case folding (any script: `Émile` and `émile`,
    `STRASSE` and `straße`). Python does it, so SQLite and PostgreSQL match the same rows."""
    return unicodedata.normalize("NFC", text).casefold()


# `@handle`, whole: `@bayko`, not `@baykofan` or `me@bayko.example` (handles are 3-30 of a-z, 0-9, _).
MENTION = re.compile(r"(?<![a-z0-9_])@([a-z0-9_]{3,30})(?![a-z0-9_])", re.IGNORECASE)


def mentioned_handles(message):
    """The handles a message mentions, lower case, each once, in order."""
    return list(dict.fromkeys(h.lower() for h in MENTION.findall(message)))


def _folded_message(context):
    return fold(context.get_current_parameters()["message"])


class User(db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    handle: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    bio: Mapped[str | None] = mapped_column(Text)
    cognito_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class Activity(db.Model):
    __tablename__ = "activities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(String(MESSAGE_MAX))
    # fold(message), kept by the app on every insert; search reads it (a trigram index on PostgreSQL).
    message_folded: Mapped[str] = mapped_column(Text, default=_folded_message)
    likes_count: Mapped[int] = mapped_column(Integer, default=0)
    replies_count: Mapped[int] = mapped_column(Integer, default=0)
    reposts_count: Mapped[int] = mapped_column(Integer, default=0)
    reply_to_activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at = mapped_column(UTCDateTime, nullable=False)

    user = relationship(User, lazy="joined", innerjoin=True)
    parent = relationship("Activity", remote_side=[id], lazy="raise")

    __table_args__ = (
        CheckConstraint("length(message) BETWEEN 1 AND 1024", name="message_length"),
        CheckConstraint("reply_to_activity_id IS NOT NULL OR length(message) <= 280", name="crud_length"),
        # Feeds: newest first among top-level cruds, and one user's cruds.
        Index("ix_activities_feed", "reply_to_activity_id", "created_at", "id"),
        # Read backwards, it hands the home feed its newest top-level cruds without a sort.
        Index("ix_activities_home", "created_at", "id", postgresql_where=text("reply_to_activity_id IS NULL"),
              sqlite_where=text("reply_to_activity_id IS NULL")),
        Index("ix_activities_created", "created_at", "id"),  # search's order, replies included
        Index("ix_activities_user_cruds", "user_id", "expires_at",
              postgresql_where=text("reply_to_activity_id IS NULL"),
              sqlite_where=text("reply_to_activity_id IS NULL")),  # a profile's cruds_count
        # Search (message_folded LIKE '%term%') on PostgreSQL; SQLite has no index that serves it.
        Index("ix_activities_message_folded_trgm", "message_folded", postgresql_using="gin",
              postgresql_ops={"message_folded": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
        Index("ix_activities_user_feed", "user_id", "created_at", "id"),
        # purge-expired: expired top-level cruds, oldest expiry first. Partial, so that no query
        # on replies can pick it (see migration 0003).
        Index("ix_activities_expiry", "expires_at", postgresql_where=text("reply_to_activity_id IS NULL"),
              sqlite_where=text("reply_to_activity_id IS NULL")),
    )


class Notification(db.Model):
    """An activity that concerns a user other than its author: a reply to their crud, or a mention
    of their handle. Written with the activity, so a user's notifications are one index range
    (ix_notifications_user_created, newest first) however large the table grows; purge-expired
    deletes them with their activity."""
    __tablename__ = "notifications"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), primary_key=True, index=True)
    created_at = mapped_column(UTCDateTime, nullable=False)  # the activity's, for the feed's order

    __table_args__ = (Index("ix_notifications_user_created", "user_id", "created_at", "activity_id"),)


class MessageGroup(db.Model):
    __tablename__ = "message_groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)

    members = relationship(User, secondary="message_group_members", lazy="selectin")


class MessageGroupPair(db.Model):
    """The one conversation between two users: its primary key is the ordered pair of their ids,
    so the database itself refuses a second one, however many first messages race."""
    __tablename__ = "message_group_pairs"
    user_low_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    user_high_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    message_group_id: Mapped[int] = mapped_column(ForeignKey("message_groups.id"), unique=True)

    __table_args__ = (CheckConstraint("user_low_id < user_high_id", name="ordered"),)


class MessageGroupMember(db.Model):
    __tablename__ = "message_group_members"
    message_group_id: Mapped[int] = mapped_column(ForeignKey("message_groups.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class Message(db.Model):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    message_group_id: Mapped[int] = mapped_column(ForeignKey("message_groups.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(String(MESSAGE_MAX))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    user = relationship(User, lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint("length(message) BETWEEN 1 AND 1024", name="message_length"),
        Index("ix_messages_group_created", "message_group_id", "created_at", "id"),
    )
