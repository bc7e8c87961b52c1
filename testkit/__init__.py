"""Real peers the tests start on loopback: PostgreSQL, gunicorn, and the telemetry receivers."""
