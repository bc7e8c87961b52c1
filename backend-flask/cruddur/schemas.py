"""Every response shape, once: services build these from their rows (`from_attributes`), the views'
`operation` declarations serialize them, and the OpenAPI document publishes them.

The models are closed (`additionalProperties: false`), so a field such as an email that reaches a
response without being declared here fails validation, here and in the schema tests."""
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AliasPath, BaseModel, ConfigDict, Field, PlainSerializer, TypeAdapter

INLINE_REPLIES = 3  # a feed item carries at most this many of its latest replies

# `datetime.isoformat()`, as the API has always written it ("+00:00", microseconds when there are
# some); pydantic's own JSON form would write "Z".
Timestamp = Annotated[datetime, PlainSerializer(datetime.isoformat, when_used="json")]
Uuid = Annotated[str, Field(json_schema_extra={"format": "uuid"})]


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class Errors(Closed):
    errors: list[str] = Field(min_length=1, description="error codes, e.g. message_blank")
    # Absent (never null) only when the request has no trace id; the default is not published.
    trace_id: str = Field(None, pattern="^[0-9a-f]{32}$", json_schema_extra=lambda schema: schema.pop("default", None),
                          description="the request's trace id (as in its `traceresponse` header and its log "
                                      "lines), to find the request in the trace viewer")


class Health(Closed):
    success: bool
    database: Literal["ok", "unreachable"]


class UserShort(Closed):
    uuid: Uuid
    handle: str
    display_name: str


class User(UserShort):
    bio: str | None


class Session(Closed):
    user: User
    access_token: str


# From a `models.Activity` row whose query has set `reply_to_activity_uuid`, and `replies` where
# they are inlined (services/activity_queries.py). Comments, not docstrings: those would be published.
class Activity(Closed):
    uuid: Uuid
    handle: str = Field(validation_alias=AliasPath("user", "handle"))
    display_name: str = Field(validation_alias=AliasPath("user", "display_name"))
    message: str
    created_at: Timestamp
    expires_at: Timestamp
    likes_count: int
    replies_count: int
    reposts_count: int
    reply_to_activity_uuid: Uuid | None
    # A factory, not `default=[]`, which pydantic would deep-copy for every reply of every page.
    replies: list["Activity"] = Field(
        default_factory=list, json_schema_extra={"default": []}, max_length=INLINE_REPLIES,
        description=f"in feeds: at most the {INLINE_REPLIES} latest live replies, oldest first (`replies_count` counts "
                    "them all; the activity's page lists every one); absent on replies and on the "
                    "activity of a page")


# From a `models.User` row whose query has set `cruds_count`.
class Profile(User):
    cruds_count: int


class UserFeed(Closed):
    profile: Profile
    activities: list[Activity]


class ActivityPage(Closed):
    activity: Activity
    replies: list[Activity] = Field(description="a page of its live replies, oldest first; the next page "
                                                "is in the Link header")


class MessageGroup(Closed):
    uuid: Uuid
    handle: str = Field(description="the other member")
    display_name: str
    message: str = Field(description="the last message")
    created_at: Timestamp


# From a `models.Message` row whose query has set `message_group_uuid`.
class Message(Closed):
    uuid: Uuid
    message_group_uuid: Uuid
    handle: str = Field(validation_alias=AliasPath("user", "handle"))
    display_name: str = Field(validation_alias=AliasPath("user", "display_name"))
    message: str
    created_at: Timestamp


_ADAPTERS = {}


def adapter(shape):
    """The TypeAdapter of a response shape (a model, or `list[Model]`), made once per shape."""
    if shape not in _ADAPTERS:
        _ADAPTERS[shape] = TypeAdapter(shape)
    return _ADAPTERS[shape]


def build(shape, source):
    """Validate `source` (rows, or dicts of rows) into `shape`, reading attributes."""
    return adapter(shape).validate_python(source, from_attributes=True)


def to_json(shape, value):
    """The JSON bytes of `value`, as Flask's jsonify writes them (ASCII, compact, newline-ended).
    Fields left unset (an activity's `replies` where they are not inlined) are left out."""
    body = adapter(shape).dump_json(value, ensure_ascii=True, exclude_unset=True)
    # pydantic leaves DEL as it is where Python's json escapes it; it only ever occurs inside a string.
    return body.replace(b"\x7f", b"\\u007f") + b"\n"
