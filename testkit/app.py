"""An in-process Cruddur app for the Flask test client, on a migrated database."""
from flask_migrate import upgrade

from cruddur import create_app
from cruddur.seed import seed_demo_data


def make_app(database_url, seed=True, **overrides):
    """A Cruddur app on `database_url`, migrated with Alembic and, unless `seed=False`, seeded.

    Not `app.testing`: errors go through the real 500 path, as under gunicorn."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False, **overrides})
    with app.app_context():
        upgrade()
        if seed:
            seed_demo_data()
    return app
