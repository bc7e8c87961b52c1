"""Blueprints named by resource."""
from . import activities, auth, general, messages, users


def init_app(app):
    for module in (general, auth, activities, users, messages):
        app.register_blueprint(module.bp)
