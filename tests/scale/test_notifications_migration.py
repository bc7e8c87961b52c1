"""Migration 0007 at volume: on a copy of the 100k-cruds database, the notifications table is dropped
(downgrade to 0006) and written again from the existing rows (upgrade), batch by batch. What it
writes is exactly what the app wrote with each reply and mention (testkit/volume.py writes the rows
the app's `notify` would)."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from cruddur import create_app
from cruddur.db import db

ROWS = text("SELECT user_id, activity_id FROM notifications ORDER BY activity_id, user_id")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_backfill_writes_what_the_app_wrote(loaded, clone, kind):
    app = create_app({"SQLALCHEMY_DATABASE_URI": clone(loaded(kind, "100k"))})
    with app.app_context():
        written = [tuple(row) for row in db.session.execute(ROWS)]
        db.session.remove()
        downgrade(revision="0006")
        upgrade()
        backfilled = [tuple(row) for row in db.session.execute(ROWS)]
        db.session.remove()
        db.engine.dispose()
    assert len(written) > 25_000  # a fifth of the activities reply, a twentieth mention
    assert backfilled == written
