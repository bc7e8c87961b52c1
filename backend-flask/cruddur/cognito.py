"""Amazon Cognito access tokens (PyJWT): RS256 against the user pool's JWKS, mapped to a Cruddur user.

On when `AWS_COGNITO_USER_POOL_ID` and `AWS_COGNITO_USER_POOL_CLIENT_ID` are set. The JWKS is
fetched once per process and cached; an unknown `kid` refetches it at most once per cooldown."""
import logging

import click
import jwt
from flask import current_app
from sqlalchemy import select

from .db import db, transaction
from .errors import ApiError
from .models import User
from .telemetry.service import service_call

log = logging.getLogger("cruddur.cognito")

ALGORITHMS = ["RS256"]  # what Cognito signs with; never "none" or an HMAC
JWKS_LIFESPAN_SECONDS = 3600
JWKS_REFRESH_COOLDOWN_SECONDS = 30
JWKS_TIMEOUT_SECONDS = 3
LEEWAY_SECONDS = 30  # clock skew between Cognito and this host


class CognitoVerifier:
    def __init__(self, pool_id, client_id, jwks_url=""):
        region = pool_id.split("_", 1)[0]
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
        self.client_id = client_id
        self.jwks = jwt.PyJWKClient(
            jwks_url or f"{self.issuer}/.well-known/jwks.json",
            lifespan=JWKS_LIFESPAN_SECONDS,
            cooldown_duration=JWKS_REFRESH_COOLDOWN_SECONDS,
            timeout=JWKS_TIMEOUT_SECONDS,
        )

    def claims_issuer(self, token):
        """True when the (unverified) token says it comes from this pool."""
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            return False
        return claims.get("iss") == self.issuer

    def verify(self, token):
        """The verified claims of a Cognito access token for our app client, or ApiError(401)."""
        try:
            key = self.jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token, key.key, algorithms=ALGORITHMS, issuer=self.issuer, leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "sub", "token_use", "client_id"]},
            )
        except jwt.ExpiredSignatureError:
            raise ApiError(401, "token_expired") from None
        except jwt.PyJWKClientConnectionError:
            log.warning("Cognito JWKS unreachable", extra={"jwks_url": self.jwks.uri})
            raise ApiError(401, "token_invalid") from None
        except (jwt.InvalidTokenError, jwt.PyJWKClientError):
            raise ApiError(401, "token_invalid") from None
        if claims["token_use"] != "access" or claims["client_id"] != self.client_id:
            raise ApiError(401, "token_invalid")
        return claims


@service_call
def run(sub):
    """The Cruddur user linked to a Cognito `sub` (its own span, so the lookup belongs to a service)."""
    user = db.session.scalar(select(User).where(User.cognito_user_id == sub))
    if user is None:
        raise ApiError(401, "user_not_found")
    return user.uuid, user.handle


def verifier():
    return current_app.extensions.get("cognito")


@click.command("link-cognito")
@click.argument("handle")
@click.argument("sub")
def link_command(handle, sub):
    """Link a Cruddur user to a Cognito user's `sub`, so that user's access tokens sign them in."""
    with transaction() as session:
        user = session.scalar(select(User).where(User.handle == handle.lower()))
        if user is None:
            raise click.ClickException(f"no user {handle}")
        user.cognito_user_id = sub
    click.echo(f"{user.handle} linked to Cognito user {sub}")


def init_app(app):
    app.cli.add_command(link_command)
    pool_id, client_id = app.config["COGNITO_USER_POOL_ID"], app.config["COGNITO_CLIENT_ID"]
    if pool_id and client_id:
        app.extensions["cognito"] = CognitoVerifier(pool_id, client_id, app.config["COGNITO_JWKS_URL"])
        log.info("Cognito access tokens accepted", extra={"issuer": app.extensions["cognito"].issuer})
    elif pool_id or client_id:
        log.warning("Cognito off: set both AWS_COGNITO_USER_POOL_ID and AWS_COGNITO_USER_POOL_CLIENT_ID")
