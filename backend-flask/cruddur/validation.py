"""Request bodies and query arguments, validated with pydantic; every error comes from the model layer.

How a pydantic error becomes an answer (by the error's `type`, never by its message):
- pydantic's own kinds (string_type, int_parsing, missing, greater_than_equal, …): 400,
  `<field>_invalid_type` for a body field, `<name>_invalid` for a query argument;
- an error our validators raise (PydanticCustomError, e.g. `message_blank`): 422 with that code;
- a plain ValueError or AssertionError raised inside a validator: 422 `<field>_invalid`.
A 400 lists the fields with type errors; otherwise a 422 lists every failed rule."""
import re
import typing
import unicodedata
from typing import Annotated

from flask import request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError, core_schema

from .errors import ApiError

TTLS = {
    "30-days": 30 * 24,
    "7-days": 7 * 24,
    "3-days": 3 * 24,
    "1-day": 24,
    "12-hours": 12,
    "3-hours": 3,
    "1-hour": 1,
}
CRUD_MAX = 280
REPLY_MAX = 1024
HANDLE_RE = re.compile(r"^[a-z0-9_]{3,30}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


# Characters that draw nothing: format characters (zero-width space and joiners, U+2060 word joiner,
# the BOM U+FEFF, bidi marks), controls and separators of any script (str.isspace: U+3000, U+00A0,
# ...), and the fillers that render as blanks though Unicode calls them letters or symbols.
INVISIBLE_CATEGORIES = {"Cf", "Cc", "Zs", "Zl", "Zp"}
BLANK_LOOKING = set("\u115f\u1160\u3164\uffa0\u2800\u180e\u034f")


def _invisible(char):
    return char.isspace() or char in BLANK_LOOKING or unicodedata.category(char) in INVISIBLE_CATEGORIES


def is_blank(value):
    """True when the text shows nothing: empty, or only whitespace and invisible characters."""
    return all(_invisible(c) for c in value)


def _text(field, value, maximum):
    value = value.strip()
    if is_blank(value):
        raise PydanticCustomError(f"{field}_blank", f"{field} is blank")
    if len(value) > maximum:
        raise PydanticCustomError(f"{field}_exceed_max_chars", f"{field} exceeds {maximum} characters")
    return value


class Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", validate_default=True)


def _rules(**schema):
    """What a field's validator enforces, stated in its JSON schema too (a violation is a 422)."""
    return Field("", json_schema_extra=schema)


class CreateActivityBody(Body):
    message: str = _rules(minLength=1, maxLength=CRUD_MAX)
    ttl: str = _rules(enum=list(TTLS))

    @field_validator("message")
    @classmethod
    def _message(cls, v):
        return _text("message", v, CRUD_MAX)

    @field_validator("ttl")
    @classmethod
    def _ttl(cls, v):
        if v not in TTLS:
            raise PydanticCustomError("ttl_invalid", "ttl must be one of " + " ".join(TTLS))
        return v


class ReplyBody(Body):
    message: str = _rules(minLength=1, maxLength=REPLY_MAX)

    @field_validator("message")
    @classmethod
    def _message(cls, v):
        return _text("message", v, REPLY_MAX)


class CreateMessageBody(ReplyBody):
    handle: str | None = None
    message_group_uuid: str | None = None


class SignupBody(Body):
    handle: str = ""
    display_name: str = ""
    email: str = ""
    password: str = ""

    @field_validator("handle")
    @classmethod
    def _handle(cls, v):
        v = v.strip().lower()
        if not v:
            raise PydanticCustomError("handle_blank", "handle is blank")
        if not HANDLE_RE.match(v):
            raise PydanticCustomError("handle_invalid", "3-30 of a-z, 0-9 and _")
        return v

    @field_validator("display_name")
    @classmethod
    def _display_name(cls, v):
        return _text("display_name", v, 80)

    @field_validator("email")
    @classmethod
    def _email(cls, v):
        v = v.strip().lower()
        if not v:
            raise PydanticCustomError("email_blank", "email is blank")
        if len(v) > 254 or not EMAIL_RE.match(v):
            raise PydanticCustomError("email_invalid", "not an email address")
        return v

    @field_validator("password")
    @classmethod
    def _password(cls, v):
        if len(v) < 8:
            raise PydanticCustomError("password_too_short", "at least 8 characters")
        if len(v) > 256:
            raise PydanticCustomError("password_too_long", "at most 256 characters")
        return v


class SigninBody(Body):
    login: str = ""
    password: str = ""

    @field_validator("login")
    @classmethod
    def _login(cls, v):
        v = v.strip().lower()
        if is_blank(v):
            raise PydanticCustomError("login_blank", "login is blank")
        return v

    @field_validator("password")
    @classmethod
    def _password(cls, v):
        if not v:
            raise PydanticCustomError("password_blank", "password is blank")
        return v


# A path argument's type documents it (openapi.py); the route matches any non-empty segment.
Handle = Annotated[str, Field(min_length=1)]


class Query(BaseModel):
    """Query arguments: given once each, an empty value meaning absent. Lax, as every value is text."""
    model_config = ConfigDict(extra="ignore", validate_default=True)


SEARCH_TERM_MAX = 100


# A term must hold SEARCH_WORD_MIN letters or digits in a row: what PostgreSQL's trigram index can
# look up for `LIKE '%term%'`. A term with none (`ab`, `...`, `a b c`) gives the index nothing to
# look up, so it would read every live activity; it is refused instead.
SEARCH_WORD_MIN = 3
_SEARCH_WORD = re.compile(rf"[^\W_]{{{SEARCH_WORD_MIN},}}")


class SearchQuery(Query):
    term: str = Field("", json_schema_extra={
        "maxLength": SEARCH_TERM_MAX,
        "description": f"at least {SEARCH_WORD_MIN} letters or digits in a row (else 422 search_term_too_short)"})

    @field_validator("term")
    @classmethod
    def _term(cls, v):
        v = _text("search_term", v, SEARCH_TERM_MAX)
        if not _SEARCH_WORD.search(v):
            raise PydanticCustomError("search_term_too_short",
                                      f"search_term needs {SEARCH_WORD_MIN} letters or digits in a row")
        return v


# pydantic-core's own error kinds; value_error and assertion_error are what a validator's plain
# ValueError or assertion becomes, so they are ours, not pydantic's.
OWN_VALIDATOR_ERRORS = frozenset({"value_error", "assertion_error"})
PYDANTIC_ERRORS = frozenset(typing.get_args(core_schema.ErrorType)) - OWN_VALIDATOR_ERRORS


def _field(error):
    return str(error["loc"][0]) if error["loc"] else "body"


def _raise_for(exc, type_error_code):
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    type_errors = [e for e in errors if e["type"] in PYDANTIC_ERRORS]
    if type_errors:
        fields = dict.fromkeys(_field(e) for e in type_errors)
        raise ApiError(400, *[type_error_code.format(field=f) for f in sorted(fields)]) from None
    raise ApiError(422, *[f"{_field(e)}_invalid" if e["type"] in OWN_VALIDATOR_ERRORS else e["type"]
                          for e in errors]) from None


def parse(model):
    """Parse the JSON body into `model`, raising ApiError(400|422) with every failed rule."""
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "body_invalid_json")
    if not isinstance(data, dict):
        raise ApiError(400, "body_not_object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        _raise_for(exc, "{field}_invalid_type")


def query_args(names):
    """The named query arguments that were given; a repeated one is 400 `<name>_invalid` (which
    of two values was meant is anyone's guess, and proxies and frameworks disagree). An empty one
    is a value like any other: `limit=` is not a number, so it is 400 `limit_invalid`."""
    values = {}
    for name in names:
        given = request.args.getlist(name)
        if len(given) > 1:
            raise ApiError(400, f"{name}_invalid")
        if given:
            values[name] = given[0]
    return values


def parse_query(model):
    """Parse the query string into `model`, raising ApiError(400|422) with every failed rule."""
    try:
        return model.model_validate(query_args(model.model_fields))
    except ValidationError as exc:
        _raise_for(exc, "{field}_invalid")
