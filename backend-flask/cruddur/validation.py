"""Request bodies validated with pydantic: 400 for bad JSON or types, 422 listing every failed rule."""
import re
import unicodedata

from flask import request
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic_core import PydanticCustomError

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


class CreateActivityBody(Body):
    message: str = ""
    ttl: str = ""

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
    message: str = ""

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
        errors = exc.errors(include_url=False, include_input=False)
        type_errors = [e for e in errors if not e["type"].startswith(tuple(model.model_fields))]
        if type_errors:
            fields = sorted({str(e["loc"][0]) for e in type_errors if e["loc"]})
            raise ApiError(400, *[f"{f}_invalid_type" for f in fields]) from None
        raise ApiError(422, *[e["type"] for e in errors]) from None


def query_int(name, default, minimum, maximum):
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name}_invalid") from None
    if value < minimum:
        raise ApiError(400, f"{name}_invalid")
    return min(value, maximum)
