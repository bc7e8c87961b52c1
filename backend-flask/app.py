"""WSGI entry point: `gunicorn app:app` and `flask --app app ...` load Cruddur from here."""
from cruddur import create_app

app = create_app()
