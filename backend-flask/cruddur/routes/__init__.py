"""Blueprints named by resource."""
from . import activities, auth, docs, general, messages, users


def init_app(app):
    for module in (general, docs, auth, activities, users, messages):
        app.register_blueprint(module.bp)
