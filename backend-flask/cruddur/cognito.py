"""Amazon Cognito access tokens (PyJWT): RS256 against the user pool's JWKS. The linked Cruddur
user is looked up by services/cognito_user.py; `flask link-cognito` (cli.py) makes the link.

On when `AWS_COGNITO_USER_POOL_ID` and `AWS_COGNITO_USER_POOL_CLIENT_ID` are set. The JWKS is
fetched once per process and cached; an unknown `kid` refetches it at most once per cooldown.

Anyone can send a token that names the pool as its issuer, so nothing a token says may make a
worker wait on the JWKS endpoint more than the endpoint's own health allows:
- a token that cannot be valid (not RS256, no `kid`, no signature, another client or token use)
  is rejected before any key is looked up;
- a fetch is bounded (a short timeout for the whole response, a size cap);
- a failed fetch is remembered per process: further fetches wait out a back-off (doubling up to a
  ceiling) and fail at once meanwhile, and keys fetched earlier keep verifying tokens during an
  outage even once their cache lifespan has passed."""
import json
import logging
import threading
import time
import urllib.request

import jwt
from flask import current_app

from .errors import ApiError

log = logging.getLogger("cruddur.cognito")

ALGORITHMS = ["RS256"]  # what Cognito signs with; never "none" or an HMAC
JWKS_LIFESPAN_SECONDS = 3600
JWKS_REFRESH_COOLDOWN_SECONDS = 30
JWKS_TIMEOUT_SECONDS = 1.0  # the whole fetch; Cognito answers in milliseconds
JWKS_MAX_BYTES = 256 * 1024
JWKS_BACKOFF_SECONDS = (10, 120)  # after a failed fetch: first wait, doubling up to the ceiling
MAX_KID_LENGTH = 256
LEEWAY_SECONDS = 30  # clock skew between Cognito and this host


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """The JWKS is read from its own URL only, as PyJWKClient does."""

    def redirect_request(self, *args, **kwargs):
        return None


class BoundedJWKClient(jwt.PyJWKClient):
    """PyJWKClient whose fetches are bounded in time and size, and whose failures are cached."""

    def __init__(self, uri, **options):
        super().__init__(uri, **options)
        self.failures = 0  # consecutive failed fetches
        self.retry_at = 0.0  # monotonic time before which no fetch is tried
        self.attempts = 0  # fetches tried on the network, this process
        self.last_good = None
        self._backoff_lock = threading.Lock()

    def keys_known(self):
        return self.last_good is not None

    def fetch_data(self):
        with self._backoff_lock:
            if time.monotonic() < self.retry_at:
                if self.last_good is not None:
                    return self.last_good  # an outage: keep verifying with the keys we had
                raise jwt.PyJWKClientConnectionError("JWKS unreachable; next try after the back-off")
            self.attempts += 1
            try:
                data = self._fetch()
            except (jwt.PyJWKClientError, OSError, ValueError) as exc:
                self.failures += 1
                first, ceiling = JWKS_BACKOFF_SECONDS
                wait = min(ceiling, first * 2 ** (self.failures - 1))
                self.retry_at = time.monotonic() + wait
                log.warning("Cognito JWKS unreachable; next fetch in %ss", wait,
                            extra={"jwks_url": self.uri, "error": type(exc).__name__, "retry_in_s": wait})
                if self.last_good is not None:
                    return self.last_good
                raise jwt.PyJWKClientConnectionError(f"JWKS unreachable: {type(exc).__name__}") from None
            self.failures, self.retry_at, self.last_good = 0, 0.0, data
            if self.jwk_set_cache is not None:
                self.jwk_set_cache.put(data)
            self._last_successful_fetch = time.monotonic()
            return data

    def _fetch(self):
        """The JWKS document, read within JWKS_TIMEOUT_SECONDS in all (a server trickling bytes
        cannot hold the worker longer) and at most JWKS_MAX_BYTES."""
        deadline = time.monotonic() + self.timeout
        opener = urllib.request.build_opener(_NoRedirects())
        with opener.open(urllib.request.Request(self.uri, headers=self.headers), timeout=self.timeout) as response:
            body = bytearray()
            while chunk := response.read1(16 * 1024):
                body.extend(chunk)
                if len(body) > JWKS_MAX_BYTES:
                    raise ValueError("JWKS too large")
                if time.monotonic() > deadline:
                    raise TimeoutError("JWKS fetch took too long")
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("JWKS is not a JSON object")
        return data


class CognitoVerifier:
    def __init__(self, pool_id, client_id, jwks_url=""):
        region = pool_id.split("_", 1)[0]
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
        self.client_id = client_id
        self.jwks = BoundedJWKClient(
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

    def screen(self, token):
        """ApiError(401) for a token that cannot be a valid access token of this pool's client,
        decided from the token alone: no key is looked up for it."""
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            raise ApiError(401, "token_invalid") from None
        kid = header.get("kid")
        if (header.get("alg") not in ALGORITHMS or not isinstance(kid, str) or not 0 < len(kid) <= MAX_KID_LENGTH
                or not token.rpartition(".")[2]
                or claims.get("token_use") != "access" or claims.get("client_id") != self.client_id):
            raise ApiError(401, "token_invalid")

    def verify(self, token):
        """The verified claims of a Cognito access token for our app client, or ApiError(401)."""
        self.screen(token)
        try:
            key = self.jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token, key.key, algorithms=ALGORITHMS, issuer=self.issuer, leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "sub", "token_use", "client_id"]},
            )
        except jwt.ExpiredSignatureError:
            raise ApiError(401, "token_expired") from None
        except jwt.PyJWKClientConnectionError:  # logged once per fetch tried, not per token
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
