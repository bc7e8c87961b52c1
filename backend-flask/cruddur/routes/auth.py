"""Sign-up and sign-in."""
from flask import Blueprint

from ..operations import operation
from ..schemas import Session
from ..services import signin, signup
from ..validation import SigninBody, SignupBody

bp = Blueprint("auth", __name__, url_prefix="/api/auth")


@bp.post("/signup")
@operation("Create an account and sign in", Session, status=201, body=SignupBody)
def sign_up(body):
    return signup.run(body)


@bp.post("/signin")
@operation("Sign in by handle or email", Session, body=SigninBody, errors=(401,))
def sign_in(body):
    return signin.run(body.login, body.password)
