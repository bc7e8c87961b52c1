"""CRUDDUR_XRAY_MODE as a setting: only sdk and otel start, in both of the ways Cruddur starts; the
otel mode with OpenTelemetry off warns that X-Ray will receive nothing. (The modes on the wire:
tests/compose/test_xray_modes.py.)"""
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cruddur import create_app
from cruddur.config import ConfigError, xray_mode
from testkit.gunicorn import assert_start_refused, backend_env


@pytest.mark.parametrize("value", ["sdk", "otel", "OTel ", "", None])
def test_the_two_modes_and_the_default(value):
    assert xray_mode(value) == ("otel" if value and value.strip().lower() == "otel" else "sdk")


@given(st.text(max_size=40).filter(lambda t: t.strip().lower() not in ("", "sdk", "otel")))
@settings(max_examples=200)
def test_any_other_value_is_a_configuration_error(value):
    with pytest.raises(ConfigError, match="CRUDDUR_XRAY_MODE must be one of sdk, otel"):
        xray_mode(value)


def test_a_bad_mode_stops_flask_and_gunicorn_with_one_line(tmp_path):
    env = backend_env(f"sqlite:///{tmp_path / 'x.sqlite3'}", CRUDDUR_XRAY_MODE="xray")
    assert_start_refused(env, "cruddur: configuration error: CRUDDUR_XRAY_MODE must be one of sdk, otel, not 'xray'")


def test_a_bad_mode_in_create_app_overrides_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="CRUDDUR_XRAY_MODE"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}", "XRAY_MODE": "both"})


def test_otel_mode_with_opentelemetry_off_says_xray_gets_nothing(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="cruddur"):
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}", "XRAY_MODE": "otel",
                          "OTEL_SDK_DISABLED": "true", "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000"})
    telemetry = app.extensions["cruddur.telemetry"]
    assert not telemetry.xray.enabled and telemetry.xray.recorder is None
    assert telemetry.xray.describe() == "otel mode, but OpenTelemetry is off: no segments"
    messages = [r.getMessage() for r in caplog.records]
    assert "CRUDDUR_XRAY_MODE=otel with OpenTelemetry off: X-Ray receives no segments" in messages
