"""Cruddur's demo data: the course's cast, live cruds with replies, one expired crud, one conversation."""
from datetime import timedelta

from sqlalchemy import func, select

from .auth import hash_password
from .db import transaction, utcnow
from .models import Activity, Message, MessageGroup, MessageGroupMember, MessageGroupPair, User
from .services.activity_queries import notify

DEMO_PASSWORD = "cruddur-demo"

USERS = [
    ("andrewbrown", "Andrew Brown", "Cloud engineer and teacher of the Cruddur bootcamp."),
    ("altbrown", "Andrew Bayko", "Andrew's other account."),
    ("bayko", "Andrew Bayko", "Builds Cruddur's frontend."),
    ("londo", "Londo Mollari", "Ambassador of the Centauri Republic."),
    ("worf", "Worf", "Son of Mogh."),
    ("garek", "Garek", "A plain, simple tailor."),
]

# (author, message, hours ago, hours to live, [(reply author, message)])
CRUDS = [
    ("andrewbrown", "Cloud is very fun!", 2, 24 * 7, [("worf", "This post has no honor!")]),
    ("worf", "I am out of prune juice", 5, 24 * 30, [("garek", "Have you tried the replicator?")]),
    ("garek", "My dear doctor, I am just a simple tailor.", 8, 24 * 3, []),
    ("londo", "Ah, the humans. Always so predictable. @andrewbrown agrees.", 12, 24 * 7,
     [("andrewbrown", "I do not!"), ("bayko", "He does a bit.")]),
    ("bayko", "The frontend now follows Link headers for more cruds.", 20, 24, []),
    ("altbrown", "Testing the alt account before it expires.", 26, 12 * 3, []),
    ("andrewbrown", "This crud has expired and must never be seen.", 30, 1, []),
]

CONVERSATION = [
    ("andrewbrown", "Hey Bayko, how is the frontend coming along?"),
    ("bayko", "Feeds and messages work against the real API now."),
    ("andrewbrown", "Great, let's demo it on Thursday."),
]


def seed_demo_data():
    """Insert the demo rows into an empty database; return how many were added (0 if not empty)."""
    with transaction() as session:
        if session.scalar(select(func.count(User.id))):
            return 0
        password_hash = hash_password(DEMO_PASSWORD)
        users = {
            handle: User(handle=handle, display_name=name, bio=bio, email=f"{handle}@cruddur.example",
                         password_hash=password_hash)
            for handle, name, bio in USERS
        }
        session.add_all(users.values())
        now = utcnow()
        rows = len(users)
        for author, message, hours_ago, ttl_hours, replies in CRUDS:
            created_at = now - timedelta(hours=hours_ago)
            crud = Activity(user=users[author], message=message, created_at=created_at,
                            expires_at=created_at + timedelta(hours=ttl_hours), replies_count=len(replies))
            session.add(crud)
            session.flush()
            notify(crud)
            for offset, (reply_author, reply_message) in enumerate(replies, start=1):
                reply = Activity(user=users[reply_author], message=reply_message, parent=crud,
                                 created_at=created_at + timedelta(minutes=10 * offset), expires_at=crud.expires_at)
                session.add(reply)
                session.flush()
                notify(reply, parent_author_id=crud.user_id)
            rows += 1 + len(replies)
        group = MessageGroup(created_at=now - timedelta(hours=3))
        session.add(group)
        session.flush()
        session.add_all([MessageGroupMember(message_group_id=group.id, user_id=users[h].id)
                         for h in ("andrewbrown", "bayko")])
        low, high = sorted(users[h].id for h in ("andrewbrown", "bayko"))
        session.add(MessageGroupPair(user_low_id=low, user_high_id=high, message_group_id=group.id))
        for minutes, (author, text) in enumerate(CONVERSATION):
            session.add(Message(message_group_id=group.id, user=users[author], message=text,
                                created_at=group.created_at + timedelta(minutes=5 * minutes)))
        group.updated_at = group.created_at + timedelta(minutes=5 * (len(CONVERSATION) - 1))
        return rows + 1 + len(CONVERSATION)
