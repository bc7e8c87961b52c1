"""Where each app keeps its telemetry: one `Telemetry` object at app.extensions[EXTENSION]."""
from flask import current_app

EXTENSION = "cruddur.telemetry"


def current():
    """The current app's Telemetry, or None outside an app context (or in an app without one)."""
    try:
        return current_app.extensions.get(EXTENSION)
    except RuntimeError:  # no app context
        return None


def current_entity():
    """The current app's open X-Ray subsegment or segment, or None (no app, X-Ray off, no request)."""
    telemetry = current()
    return telemetry.xray.current_entity() if telemetry is not None else None
