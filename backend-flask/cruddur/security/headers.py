"""Security headers on every response, and no-store on anything that carries a token.

Four fixed headers and HSTS behind HTTPS are a dict here. flask-talisman (1.1.0, August 2023) was
weighed and not taken: its defaults redirect to HTTPS and rewrite session cookies, which a JSON API
behind nginx or a load balancer must not do, and switching those off leaves only this dict."""
from flask import request

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
HSTS = "max-age=31536000; includeSubDomains"


def _security_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    # Anything answered to a bearer, and every sign-in or sign-up (they carry a token), stays out of caches.
    if "Authorization" in request.headers or (request.endpoint or "").startswith("auth."):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app):
    app.after_request(_security_headers)
