"""The OpenAPI 3.1 document of Cruddur's API, built from the code so that it cannot drift.

Paths come from the app's URL map, request bodies from the pydantic models in `validation.py`,
and responses from the closed models below (`additionalProperties: false`, so a field such as an
email that appears in a response without being declared here fails the schema tests)."""
from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.json_schema import models_json_schema

from . import validation
from .services.activity_queries import INLINE_REPLIES
from .validation import CreateActivityBody, CreateMessageBody, ReplyBody, SigninBody, SignupBody

REF = "#/components/schemas/{model}"


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Errors(Closed):
    errors: list[str] = Field(min_length=1, description="error codes, e.g. message_blank")


class Health(Closed):
    success: bool
    database: Literal["ok", "unreachable"]


class User(Closed):
    uuid: UUID
    handle: str
    display_name: str
    bio: str | None


class Session(Closed):
    user: User
    access_token: str


class UserShort(Closed):
    uuid: UUID
    handle: str
    display_name: str


class Activity(Closed):
    uuid: UUID
    handle: str
    display_name: str
    message: str
    created_at: datetime
    expires_at: datetime
    likes_count: int
    replies_count: int
    reposts_count: int
    reply_to_activity_uuid: UUID | None
    replies: list["Activity"] = Field(
        default=[], max_length=INLINE_REPLIES,
        description=f"in feeds: at most the {INLINE_REPLIES} latest live replies, oldest first (`replies_count` counts "
                    "them all; the activity's page lists every one); absent on replies and on the "
                    "activity of a page")


class Profile(Closed):
    uuid: UUID
    handle: str
    display_name: str
    bio: str | None
    cruds_count: int


class UserFeed(Closed):
    profile: Profile
    activities: list[Activity]


class ActivityPage(Closed):
    activity: Activity
    replies: list[Activity] = Field(description="a page of its live replies, oldest first; the next page "
                                                "is in the Link header")


class MessageGroup(Closed):
    uuid: UUID
    handle: str = Field(description="the other member")
    display_name: str
    message: str = Field(description="the last message")
    created_at: datetime


class Message(Closed):
    uuid: UUID
    message_group_uuid: UUID
    handle: str
    display_name: str
    message: str
    created_at: datetime


REQUEST_MODELS = (CreateActivityBody, ReplyBody, CreateMessageBody, SignupBody, SigninBody)
RESPONSE_MODELS = (Errors, Health, Session, UserShort, Activity, UserFeed, ActivityPage, MessageGroup, Message)

# Rules the pydantic validators enforce, stated in the schema too (a violation is a 422).
FIELD_RULES = {
    (CreateActivityBody, "message"): {"minLength": 1, "maxLength": validation.CRUD_MAX},
    (CreateActivityBody, "ttl"): {"enum": list(validation.TTLS)},
    (ReplyBody, "message"): {"minLength": 1, "maxLength": validation.REPLY_MAX},
    (CreateMessageBody, "message"): {"minLength": 1, "maxLength": validation.REPLY_MAX},
}

ERROR_TEXT = {
    400: "malformed JSON (`body_invalid_json`), wrong types, a string that is not Unicode text "
         "(`body_invalid_text`, e.g. a lone surrogate `\\ud800`), a NUL character (`nul_character`), "
         "or a bad `limit` or a cursor the server did not issue for this list (`cursor_invalid`)",
    401: "bad credentials, or an invalid or expired bearer token (on every route that takes one, "
         "also where signing in is optional), or none where one is required",
    404: "unknown resource",
    413: "body larger than 64 KiB",
    422: "every failed validation rule",
    429: "a rate limit is full (`rate_limited`): failed sign-ins, sign-ups or writes; see Retry-After",
    503: "the database is unreachable",
}

PAGE = ("limit", "cursor")


def op(summary, ok, auth="optional", body=None, errors=(), query=(), status=200, array=False, tag="activities",
       database=True):
    """An operation; every route but sign-in and sign-up reads a bearer token when one is sent
    (`optional`), and answers an invalid one with 401."""
    return {"summary": summary, "ok": ok, "auth": auth, "body": body,
            "errors": set(errors) | ({503} if database else set()) | ({401} if auth else set()),
            "query": query, "status": status, "array": array, "tag": tag}


# One entry per Flask endpoint; tests check these match the URL map exactly.
OPERATIONS = {
    "general.health_check": op("Health, including database reachability", "Health", tag="general",
                               errors=()),
    "general.openapi_document": op("This OpenAPI document", None, tag="general", database=False),
    "general.rollbar_test": op("Send a warning to Rollbar", "text", tag="general", database=False),
    "auth.sign_up": op("Create an account and sign in", "Session", auth=None, body=SignupBody, status=201,
                       errors=(400, 413, 422, 429), tag="auth"),
    "auth.sign_in": op("Sign in by handle or email", "Session", auth=None, body=SigninBody,
                       errors=(400, 401, 413, 422, 429), tag="auth"),
    "activities.home": op("Live cruds, newest first, each with its latest replies", "Activity", array=True,
                          errors=(400, 401), query=PAGE),
    "activities.notifications": op("Replies to and mentions of the caller", "Activity", array=True,
                                   auth="required", errors=(400, 401), query=PAGE),
    "activities.search": op("Live activities whose message contains `term`", "Activity", array=True,
                            errors=(400, 422), query=("term", *PAGE)),
    "activities.user_feed": op("A user's profile and live cruds", "UserFeed", errors=(400, 404),
                               query=PAGE),
    "activities.show": op("One live activity and a page of its replies, oldest first", "ActivityPage",
                          errors=(400, 404), query=PAGE),
    "activities.create": op("Post a crud", "Activity", auth="required", body=CreateActivityBody,
                            status=201, errors=(400, 401, 413, 422, 429)),
    "activities.reply": op("Reply to a live crud (a reply to a reply is 422 `reply_to_reply`)", "Activity",
                           auth="required", body=ReplyBody,
                           status=201, errors=(400, 401, 404, 413, 422, 429)),
    "users.short": op("A user's public card", "UserShort", errors=(400, 404), tag="users"),
    "messages.groups": op("The caller's conversations, most recent first", "MessageGroup", array=True,
                          auth="required", errors=(400, 401), query=PAGE, tag="messages"),
    "messages.conversation": op("Messages of a conversation the caller belongs to, oldest first",
                                "Message", array=True, auth="required", errors=(400, 401, 404),
                                query=PAGE, tag="messages"),
    "messages.send": op("Send a message to `handle`, or into `message_group_uuid`", "Message",
                        auth="required", body=CreateMessageBody, status=201,
                        errors=(400, 401, 404, 413, 422, 429), tag="messages"),
}

QUERY = {
    "limit": {"name": "limit", "in": "query", "required": False,
              "description": "page size; capped by the server", "schema": {"type": "integer", "minimum": 1}},
    "cursor": {"name": "cursor", "in": "query", "required": False,
               "description": "opaque; from the previous page's Link header", "schema": {"type": "string"}},
    "term": {"name": "term", "in": "query", "required": True,
             "schema": {"type": "string", "maxLength": 100}},
}
PATH_PARAMS = {
    "handle": {"type": "string", "minLength": 1},
    "activity_uuid": {"type": "string", "format": "uuid"},
    "group_uuid": {"type": "string", "format": "uuid"},
}
LINK_HEADER = {"Link": {"description": 'next page: `<url>; rel="next"`', "schema": {"type": "string"}}}


def required_fields(model):
    """Fields whose default fails validation: a client must send them."""
    try:
        model.model_validate({})
    except ValidationError as exc:
        return sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})
    return []


def _schemas():
    _, defs = models_json_schema([(m, "validation") for m in REQUEST_MODELS + RESPONSE_MODELS],
                                 ref_template=REF)
    schemas = defs["$defs"]
    for model in REQUEST_MODELS:
        schema = schemas[model.__name__]
        schema["required"] = required_fields(model)
        for field in schema["required"]:  # a placeholder that only exists to be reported blank
            schema["properties"][field].pop("default", None)
        for (owner, field), rules in FIELD_RULES.items():
            if owner is model:
                schema["properties"][field].update(rules)
    return schemas


def _ref(name):
    return {"$ref": REF.format(model=name)}


def _responses(spec):
    if spec["ok"] == "text":
        ok = {"description": "OK", "content": {"text/html": {"schema": {"type": "string"}}}}
    elif spec["ok"] is None:
        ok = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    else:
        schema = {"type": "array", "items": _ref(spec["ok"])} if spec["array"] else _ref(spec["ok"])
        ok = {"description": "OK", "content": {"application/json": {"schema": schema}}}
        if spec["array"] or spec["query"]:
            ok["headers"] = LINK_HEADER
    responses = {str(spec["status"]): ok}
    for status in sorted(spec["errors"]):
        schema = _ref("Health") if spec["ok"] == "Health" and status == 503 else _ref("Errors")
        responses[str(status)] = {"description": ERROR_TEXT[status],
                                  "content": {"application/json": {"schema": schema}}}
    return responses


def _operation(endpoint, spec, path_args):
    operation = {"operationId": endpoint.replace(".", "_"), "summary": spec["summary"], "tags": [spec["tag"]],
                 "responses": _responses(spec)}
    parameters = [{"name": a, "in": "path", "required": True, "schema": PATH_PARAMS.get(a, {"type": "string"})}
                  for a in path_args]
    parameters += [QUERY[name] for name in spec["query"]]
    if parameters:
        operation["parameters"] = parameters
    if spec["body"] is not None:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": _ref(spec["body"].__name__)}}}
    if spec["auth"] == "required":
        operation["security"] = [{"bearerAuth": []}]
    elif spec["auth"] == "optional":
        operation["security"] = [{}, {"bearerAuth": []}]
    return operation


def documented_rules(app):
    """(rule, method) pairs of the URL map that the document must describe."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def openapi_path(rule):
    path = rule.rule
    for argument in rule.arguments:
        path = path.replace(f"<{argument}>", "{" + argument + "}")
    return path


def build(app):
    paths = {}
    for rule, method in documented_rules(app):
        spec = OPERATIONS.get(rule.endpoint)
        if spec is None:  # the test names it; the document still serves
            continue
        path_args = sorted(rule.arguments, key=rule.rule.index)
        paths.setdefault(openapi_path(rule), {})[method.lower()] = _operation(rule.endpoint, spec, path_args)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Cruddur API", "version": "1",
                 "description": "Cruddur, an ephemeral microblog. JSON in and out; errors are "
                                "`{\"errors\": [codes]}`. Lists are arrays; the next page is in a "
                                "`Link: <…>; rel=\"next\"` header."},
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "an access token from sign-up or sign-in, or an Amazon Cognito access "
                               "token when Cognito is configured"}},
        },
    }


def document(app):
    """The document, built once per app."""
    if "cruddur_openapi" not in app.extensions:
        app.extensions["cruddur_openapi"] = build(app)
    return app.extensions["cruddur_openapi"]
