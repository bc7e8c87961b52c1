"""Cognito access tokens for the tests: a fresh RSA key, tokens signed (or forged) with it, a
loopback JWKS server that counts its fetches, and an app in Cognito mode with andrewbrown linked."""
import base64
import hashlib
import hmac
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import text

from cruddur.db import db

POOL = "us-east-1_CrUdDuR42"
CLIENT = "cruddur-web-client"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
SUB = str(uuid.uuid4())


class Key:
    def __init__(self, kid):
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_pem = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def jwk(self):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}


class JWKSServer:
    """Serves {"keys": [...]} on 127.0.0.1 and counts the fetches."""

    def __init__(self, keys):
        self.keys = list(keys)
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits += 1
                body = json.dumps({"keys": [k.jwk() for k in server.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/.well-known/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def claims(**overrides):
    now = datetime.now(UTC)
    base = {"sub": SUB, "iss": ISSUER, "client_id": CLIENT, "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "auth_time": int(now.timestamp()), "iat": now, "exp": now + timedelta(hours=1), "jti": str(uuid.uuid4()),
            "username": "andrew"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(key, kid=None, **overrides):
    return jwt.encode(claims(**overrides), key.private, algorithm="RS256", headers={"kid": kid or key.kid})


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header, payload):
    payload = {k: int(v.timestamp()) if isinstance(v, datetime) else v for k, v in payload.items()}
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())


def alg_none(key):
    return _unsigned({"alg": "none", "typ": "JWT", "kid": key.kid}, claims()) + "."


def hs256_with_public_key(key):
    """The classic confusion: an HMAC 'signed' with the RSA public key a verifier might reuse as a secret."""
    signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": key.kid}, claims())
    signature = hmac.new(key.public_pem, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


def cognito_app_for(app_factory, database_url, jwks_url):
    """An app in Cognito mode, with andrewbrown linked to SUB."""
    app = app_factory(database_url, COGNITO_USER_POOL_ID=POOL, COGNITO_CLIENT_ID=CLIENT, COGNITO_JWKS_URL=jwks_url)
    with app.app_context():
        db.session.execute(text("UPDATE users SET cognito_user_id = :sub WHERE handle = 'andrewbrown'"), {"sub": SUB})
        db.session.commit()
    return app
