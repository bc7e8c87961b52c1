"""Amazon Cognito access tokens (PyJWT): RS256 against the user pool's JWKS. The linked Cruddur
user is looked up by services/cognito_user.py; `flask link-cognito` (cli.py) makes the link.

On when `AWS_COGNITO_USER_POOL_ID` and `AWS_COGNITO_USER_POOL_CLIENT_ID` are set. The JWKS is
fetched once per process and cached; an unknown `kid` refetches it at most once per cooldown."""
import logging

import jwt
from flask import current_app

from .errors import ApiError

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


def verifier():
    return current_app.extensions.get("cognito")


def init_app(app):
    pool_id, client_id = app.config["COGNITO_USER_POOL_ID"], app.config["COGNITO_CLIENT_ID"]
    if pool_id and client_id:
        app.extensions["cognito"] = CognitoVerifier(pool_id, client_id, app.config["COGNITO_JWKS_URL"])
        log.info("Cognito access tokens accepted", extra={"issuer": app.extensions["cognito"].issuer})
    elif pool_id or client_id:
        log.warning("Cognito off: set both AWS_COGNITO_USER_POOL_ID and AWS_COGNITO_USER_POOL_CLIENT_ID")
