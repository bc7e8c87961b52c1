"""Passwords at rest: argon2id with RFC 9106's low-memory parameters (64 MiB, 3 passes, 4 lanes) wherever
Cruddur runs as shipped, in the `flask seed` command and a gunicorn's sign-up. The in-process suite hashes
with argon2's cheapest parameters (testkit/app.py); this is the test that keeps the production ones."""
import requests
from argon2 import extract_parameters, profiles
from sqlalchemy import create_engine, text

from testkit.auth import sign_in
from testkit.gunicorn import backend_env


def test_seed_and_signup_hash_with_the_production_parameters(new_database_url, start_server):
    url = new_database_url("sqlite")
    server = start_server(backend_env(url), workers=1)  # a copy of the template `flask --app app seed` filled
    signup = requests.post(f"{server.url}/api/auth/signup", timeout=10, json={
        "handle": "hashcheck", "display_name": "Hash Check", "email": "hashcheck@cruddur.example",
        "password": "a long enough passphrase"})
    assert signup.status_code == 201, signup.text
    assert sign_in("hashcheck", "a long enough passphrase", url=server.url)
    assert sign_in("andrewbrown", url=server.url)

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            hashes = dict(conn.execute(text("SELECT handle, password_hash FROM users")).all())
    finally:
        engine.dispose()
    assert {"andrewbrown", "hashcheck"} <= hashes.keys()
    assert {handle: extract_parameters(h) for handle, h in hashes.items()} == dict.fromkeys(
        hashes, profiles.RFC_9106_LOW_MEMORY)
    assert all(h.startswith("$argon2id$v=19$m=65536,t=3,p=4$") for h in hashes.values())
