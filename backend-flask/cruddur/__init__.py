"""Cruddur's backend: `create_app` wires configuration, telemetry, the database and the routes."""
from pathlib import Path

from flask import Flask
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from . import auth, cli, cognito, db, errors, routes, security, telemetry
from .config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_app(overrides=None):
    app = Flask(__name__, static_folder=None)  # an API: no static route
    # Never answer with a redirect: Werkzeug builds its Location from the client's Host header.
    # `//api//x` and a trailing slash are matched as sent (a JSON 404 when nothing matches).
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    app.config.update(Config().as_mapping())
    app.config.update(MIGRATIONS_DIR=MIGRATIONS_DIR, JSON_SORT_KEYS=False)
    app.config.update(overrides or {})
    app.json.sort_keys = False

    db.init_app(app)
    telemetry.init_app(app)  # registers the request hooks that must run first
    errors.init_app(app)
    CORS(
        app,
        origins=[app.config["FRONTEND_URL"]],
        expose_headers=["Link", "traceresponse", "X-Amzn-Trace-Id"],
        allow_headers=["Authorization", "Content-Type", "traceparent", "tracestate", "X-Amzn-Trace-Id"],
        methods=["GET", "POST", "OPTIONS"],
        max_age=600,
    )
    security.init_app(app)  # after telemetry: its rate-limit hook may answer 429
    cognito.init_app(app)
    auth.init_app(app)  # the caller, from a bearer token, for every route's views and logs
    routes.init_app(app)
    cli.init_app(app)
    if app.config["PROXY_HOPS"]:
        # Outermost, so the instrumentation, the limits and the access line all see the client.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_prefix=0)
    return app
