"""The backend's defences, one module per job:

- `screening`: hostile input answered 400 (or 413) before a model or the database sees it;
- `limits`: rate limits (flask-limiter) answered 429;
- `headers`: security headers on every response.

The endpoint names the limits apply to are exported here for the API document (openapi.py)."""
from . import headers, limits, screening
from .limits import SIGNIN_ENDPOINT, SIGNUP_ENDPOINT, WRITE_ENDPOINTS, limit_key

__all__ = ["SIGNIN_ENDPOINT", "SIGNUP_ENDPOINT", "WRITE_ENDPOINTS", "init_app", "limit_key"]


def init_app(app):
    screening.init_app(app)  # its hook runs before the limiter's, whose key reads the body
    limits.init_app(app)
    headers.init_app(app)
