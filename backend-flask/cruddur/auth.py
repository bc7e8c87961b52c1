"""Passwords (argon2), access tokens (PyJWT; Cognito's through cognito.py) and the decorators that
guard routes. The decorators mark the view (`view.auth`), which the OpenAPI document reads."""
from datetime import timedelta
from functools import wraps

import argon2.profiles
import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g, request

from . import cognito
from .db import utcnow
from .errors import ApiError
from .services import cognito_user

ISSUER = "cruddur"
ALGORITHM = "HS256"
_EXTENSION = "cruddur.passwords"


class _Passwords:
    """The app's argon2 hasher (config `PASSWORD_HASH_PROFILE`, an `argon2.profiles` name), and the
    hash that unknown logins spend a check on, so that timing does not tell which accounts exist. A
    hash carries its own parameters: verifying costs what hashing it did."""

    def __init__(self, profile):
        self.hasher = PasswordHasher.from_parameters(getattr(argon2.profiles, profile))
        self._dummy = None

    def dummy_hash(self):
        # Made on first use, not at start-up: argon2's 64 MiB would otherwise weigh on every process.
        if self._dummy is None:
            self._dummy = self.hasher.hash("cruddur-no-such-user")
        return self._dummy


def _passwords():
    return current_app.extensions[_EXTENSION]


def hash_password(password):
    return _passwords().hasher.hash(password)


def verify_password(password_hash, password):
    try:
        return _passwords().hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_password_check(password):
    verify_password(_passwords().dummy_hash(), password)


class CurrentUser:
    __slots__ = ("handle", "uuid")

    def __init__(self, uuid, handle):
        self.uuid = uuid
        self.handle = handle


def issue_token(user):
    now = utcnow()
    claims = {
        "iss": ISSUER,
        "sub": user.uuid,
        "handle": user.handle,
        "iat": now,
        "exp": now + timedelta(seconds=current_app.config["ACCESS_TOKEN_TTL_SECONDS"]),
    }
    return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=ALGORITHM)


def _bearer_token():
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "token_invalid")
    return token.strip()


def _verify(token):
    """A local HS256 token, or (with Cognito configured) a Cognito access token from its pool."""
    cognito_verifier = cognito.verifier()
    if cognito_verifier is not None and cognito_verifier.claims_issuer(token):
        claims = cognito_verifier.verify(token)
        return CurrentUser(*cognito_user.run(claims["sub"]))
    try:
        claims = jwt.decode(
            token,
            current_app.config["SECRET_KEY"],
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "token_expired") from None
    except jwt.InvalidTokenError:
        raise ApiError(401, "token_invalid") from None
    return CurrentUser(claims["sub"], claims.get("handle"))


AUTHENTICATION_KEY = "cruddur.authentication"


def authenticate():
    """Set g.current_user from the bearer token, or None when no token is sent. The token is
    verified once per request, however many hooks and decorators ask, and a bad one is raised
    again to each of them."""
    # Kept on the request (its WSGI environ), not on g: g belongs to the app context, which can
    # outlive a request.
    outcome = request.environ.get(AUTHENTICATION_KEY)
    if outcome is None:
        try:
            token = _bearer_token()
            outcome = _verify(token) if token else False
        except ApiError as exc:
            outcome = exc
        request.environ[AUTHENTICATION_KEY] = outcome
    if isinstance(outcome, ApiError):
        g.current_user = None  # an invalid token leaves nobody signed in
        raise outcome
    g.current_user = outcome or None
    return g.current_user


def authenticate_quietly():
    """The user a valid bearer token names, or None (no token, or a bad one), without raising:
    for hooks such as the rate limiter's key, which must not answer for the view. Whatever went
    wrong (a bad token, an unreachable database behind a Cognito lookup) the view meets again."""
    try:
        return authenticate()
    except Exception:
        return None


# Sign-in and sign-up take no bearer token: a stale one left in the browser must not stop anyone
# from signing in again, so they ignore it.
TOKEN_FREE_BLUEPRINTS = ("auth",)


def _authenticate_request():
    """Every routed request with a token is authenticated before its view runs, so the access log's
    `user` and Rollbar's `person` are known on every route, and an invalid or expired token is 401
    on every route, whether the route requires sign-in or only accepts it (as the home feed)."""
    if request.endpoint is None or request.blueprint in TOKEN_FREE_BLUEPRINTS:
        g.current_user = None
        return
    authenticate()


def current_user():
    return g.get("current_user")


def init_app(app):
    app.extensions[_EXTENSION] = _Passwords(app.config["PASSWORD_HASH_PROFILE"])
    app.before_request(_authenticate_request)  # after telemetry's hooks: it may answer 401


def auth_mode(view, blueprint):
    """How a view takes a bearer token: "required", "optional" (every route that is not token-free
    reads one when sent, and answers a bad one with 401), or None (sign-in and sign-up)."""
    if blueprint in TOKEN_FREE_BLUEPRINTS:
        return None
    return getattr(view, "auth", "optional")


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if authenticate() is None:
            raise ApiError(401, "authentication_required")
        return view(*args, **kwargs)

    wrapper.auth = "required"
    return wrapper


def login_optional(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        authenticate()
        return view(*args, **kwargs)

    wrapper.auth = "optional"
    return wrapper
