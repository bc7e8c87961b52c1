"""Public user cards."""
from flask import Blueprint

from ..operations import operation
from ..schemas import UserShort
from ..services import users_short
from ..validation import Handle

bp = Blueprint("users", __name__, url_prefix="/api/users")


@bp.get("/@<handle>/short")
@operation("A user's public card", UserShort, errors=(404,))
def short(handle: Handle):
    return users_short.run(handle)
