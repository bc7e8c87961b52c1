"""Sign-up and sign-in."""
from flask import Blueprint, jsonify

from ..services import signin, signup
from ..validation import SigninBody, SignupBody, parse
from .responses import created

bp = Blueprint("auth", __name__, url_prefix="/api/auth")


@bp.post("/signup")
def sign_up():
    return created(signup.run(parse(SignupBody)))


@bp.post("/signin")
def sign_in():
    body = parse(SigninBody)
    return jsonify(signin.run(body.login, body.password))
