"""Public user cards."""
from flask import Blueprint, jsonify

from ..services import users_short

bp = Blueprint("users", __name__, url_prefix="/api/users")


@bp.get("/@<handle>/short")
def short(handle):
    return jsonify(users_short.run(handle))
