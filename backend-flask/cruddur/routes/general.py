"""Health check, the OpenAPI document and the Rollbar demo route."""
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .. import openapi
from ..db import db
from ..operations import operation
from ..schemas import Health
from ..telemetry import rollbar as error_reporting

bp = Blueprint("general", __name__)


@bp.get("/api/health-check")
@operation("Health, including database reachability", Health)
def health_check():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        db.session.rollback()
        database = "unreachable"
    healthy = database == "ok"
    return Health(success=healthy, database=database), 200 if healthy else 503


@bp.get("/api/openapi.json")
@operation("This OpenAPI document", dict, database=False)
def openapi_document():
    return jsonify(openapi.document(current_app))


@bp.get("/rollbar/test")
@operation("Send a warning to Rollbar (limited: CRUDDUR_ROLLBAR_TEST_LIMIT for all callers together)", str,
           errors=(429,), database=False)
def rollbar_test():
    # The item holds Cruddur's own text only: no query string, header or body of the caller's
    # (security/limits.py limits how often anyone can send one).
    error_reporting.report_message("Hello World!", "warning", with_request=False)
    return "Hello World!"
