"""An in-process Cruddur app for the Flask test client, on a migrated database."""
from flask_migrate import upgrade

from cruddur import create_app
from cruddur.seed import seed_demo_data


def make_app(database_url, seed=True, **overrides):
    """A Cruddur app on `database_url`, migrated with Alembic and, unless `seed=False`, seeded.

    Not `app.testing`: errors go through the real 500 path, as under gunicorn. Passwords are hashed
    with argon2's cheapest parameters (verifying a hash costs what making it did): the suite signs in
    thousands of times. Servers and the CLI keep the production parameters, which a test checks."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False,
                      "PASSWORD_HASH_PROFILE": "CHEAPEST", **overrides})
    with app.app_context():
        upgrade()
        if seed:
            seed_demo_data()
    return app
