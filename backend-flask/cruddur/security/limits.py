"""Rate limits (flask-limiter), answered with 429.

The limits:
- failed sign-ins, per login from one client address and per client address; only failures count,
  so a victim signing in from their own address is never locked out by failures from elsewhere;
- sign-up attempts per client address, taken or not, which bounds how fast accounts can be probed;
- posts, replies and messages per signed-in user;
- `/rollbar/test`, one window shared by every caller: each call is a Rollbar item, so the limit
  bounds what anyone can spend of the project's Rollbar quota.

A client address is an IPv4 address, or an IPv6 client's prefix (`CRUDDUR_IPV6_LIMIT_PREFIX`, /64 by
default): one IPv6 host usually holds a whole /64, so counting per address would give it 2^64
fresh windows.

The counters live in `RATELIMIT_STORAGE_URI`: `memory://` keeps them per gunicorn worker, and
`redis://…` shares them across workers and replicas. When Redis cannot be reached, flask-limiter
logs one warning and counts in each worker's memory until Redis answers again: requests never
fail because the limit store is down.
"""
import hashlib
import ipaddress
import logging
import re

from flask import current_app, request
from flask_limiter import Limit, Limiter
from flask_limiter.errors import RateLimitExceeded
from limits import parse_many
from limits.errors import ConfigurationError

from .. import auth
from ..errors import error_response

log = logging.getLogger("cruddur.security")

SIGNIN_ENDPOINT = "auth.sign_in"
SIGNUP_ENDPOINT = "auth.sign_up"
WRITE_ENDPOINTS = frozenset({"activities.create", "activities.reply", "messages.send"})
ROLLBAR_TEST_ENDPOINT = "general.rollbar_test"
HEALTH_CHECK_ENDPOINT = "general.health_check"
# A Redis that stops answering must cost a request milliseconds, not a hung worker.
REDIS_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}


def ipv6_prefix(value):
    """CRUDDUR_IPV6_LIMIT_PREFIX as a prefix length; a bad value stops start-up."""
    text = str(value).strip().removeprefix("/")
    if not text.isdigit() or not 1 <= int(text) <= 128:
        raise RuntimeError(f"CRUDDUR_IPV6_LIMIT_PREFIX must be a prefix length from 1 to 128, not {value!r}")
    return int(text)


def limit_key(address, prefix=64):
    """The identity limits count an address under: an IPv4 address (an IPv4-mapped IPv6 one
    included) as it is, an IPv6 address as its network of `prefix` bits (`2001:db8::/64`).
    Anything else (a Unix socket's empty peer, say) is kept as it came."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # a zone (fe80::1%eth0) is not part of it
    except ValueError:
        return address or "unknown"
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 4:
        return str(ip)
    return str(ipaddress.ip_network((ip, prefix), strict=False))


def client_address():
    """The client the limits count: the peer gunicorn sees, or with CRUDDUR_PROXY_HOPS the client
    the trusted proxies saw (ProxyFix rewrites remote_addr; an untrusted X-Forwarded-For is never
    read), with an IPv6 client grouped by its prefix."""
    return limit_key(request.remote_addr or "", current_app.config["IPV6_LIMIT_PREFIX_BITS"])


def everyone():
    """One window shared by every caller."""
    return "everyone"


def signin_login():
    """The login being tried from this address, hashed so that neither the limiter's keys nor its
    logs hold it (users sometimes type a password into the login field)."""
    body = request.get_json(silent=True)
    login = body.get("login") if isinstance(body, dict) else None
    login = login.strip().lower() if isinstance(login, str) else ""
    return "login:" + hashlib.sha256(login.encode()).hexdigest()[:32] + "@" + client_address()


def writer():
    """The signed-in user making a write; a request without a valid token is answered 401 by
    the view, so it is not counted here."""
    user = auth.authenticate_quietly()
    return "user:" + user.uuid if user else "anonymous"


def _failed(response):
    return response.status_code != 200


def _not_signin():
    return request.endpoint != SIGNIN_ENDPOINT


def _not_signup():
    return request.endpoint != SIGNUP_ENDPOINT


def _not_a_write():
    return request.endpoint not in WRITE_ENDPOINTS or auth.authenticate_quietly() is None


def _not_rollbar_test():
    return request.endpoint != ROLLBAR_TEST_ENDPOINT


# (setting, key, scope, exempt unless, counts only when)
LIMITS = (
    ("SIGNIN_LIMIT_PER_ACCOUNT", signin_login, "signin-account", _not_signin, _failed),
    ("SIGNIN_LIMIT_PER_ADDRESS", client_address, "signin-address", _not_signin, _failed),
    ("SIGNUP_LIMIT_PER_ADDRESS", client_address, "signup-address", _not_signup, None),
    ("WRITE_LIMIT_PER_USER", writer, "write-user", _not_a_write, None),
    ("CRUDDUR_ROLLBAR_TEST_LIMIT", everyone, "rollbar-test", _not_rollbar_test, None),
)


def _rate_limited(exc: RateLimitExceeded):
    response = error_response(429, ["rate_limited"])
    response.headers["Retry-After"] = str(int(exc.limit.limit.get_expiry()))
    return response


_proxy_warning = {"given": False}  # once per process


def _warn_if_no_proxy_in_front():
    """With CRUDDUR_PROXY_HOPS set, a request without (enough) X-Forwarded-For did not come through
    the proxies it names: the limits then count the peer itself, every client as one. Said once
    per process, on the first such request. Health checks are not counted: probes (compose's
    healthcheck, a load balancer's target checks) reach gunicorn directly by design."""
    if _proxy_warning["given"] or request.endpoint == HEALTH_CHECK_ENDPOINT:
        return
    hops = current_app.config["PROXY_HOPS"]
    forwarded = request.environ.get("HTTP_X_FORWARDED_FOR", "")
    seen = len([part for part in forwarded.split(",") if part.strip()])
    if seen >= hops:
        return
    _proxy_warning["given"] = True
    log.warning("CRUDDUR_PROXY_HOPS is set but a request came without X-Forwarded-For from that many "
                "proxies: is the proxy in front? Limits count the peer address until it is",
                extra={"proxy_hops": hops, "forwarded_addresses": seen, "peer": request.remote_addr})


def _storage_options(uri):
    return REDIS_OPTIONS if uri.startswith(("redis://", "rediss://")) else {}


def init_app(app):
    for setting, *_ in LIMITS:
        parse_many(app.config[setting])  # a typo fails at start-up, not on the first request
    app.config["IPV6_LIMIT_PREFIX_BITS"] = ipv6_prefix(app.config["CRUDDUR_IPV6_LIMIT_PREFIX"])
    if app.config["PROXY_HOPS"]:
        app.before_request(_warn_if_no_proxy_in_front)  # never raises
    uri = app.config["RATELIMIT_STORAGE_URI"]
    limiter = Limiter(
        client_address,
        storage_uri=uri,
        storage_options=_storage_options(uri),
        strategy="moving-window",
        key_prefix="cruddur",
        # Redis down: one warning, then each worker counts in memory until Redis is back.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        default_limits=[
            Limit(lambda setting=setting: app.config[setting], key_function=key, scope=scope,
                  exempt_when=exempt, deduct_when=deduct, shared=True)
            for setting, key, scope, exempt, deduct in LIMITS
        ],
    )
    try:
        limiter.init_app(app)
    except ConfigurationError as exc:
        shown = re.sub(r"//[^@/]*@", "//", uri)  # never print a password from the URI
        raise RuntimeError(f"RATELIMIT_STORAGE_URI={shown!r} cannot be used: {exc}") from None
    app.extensions["cruddur_limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, _rate_limited)
