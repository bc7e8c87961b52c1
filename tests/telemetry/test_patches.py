"""Library internals are used in one module, cruddur/telemetry/patches.py, and start-up refuses a
library version outside the ones each patch was checked against."""
import ast
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.version import Version

from cruddur import create_app
from cruddur.telemetry import patches
from testkit.gunicorn import assert_start_refused, backend_env

CRUDDUR = Path(__file__).resolve().parents[2] / "backend-flask" / "cruddur"
PRIVATE = ("_socket", "_send_data", "_ip", "_port", "_pool", "_queue", "_batch_processor", "_before_cur_exec",
           "_get_stream_name", "_dequeue_batch", "_submit_batch", "_size", "_rules", "_work_queue")


def test_the_installed_pins_are_the_checked_versions():
    assert patches.version_problems() == []


def test_no_other_module_reaches_into_a_library():
    users = {}
    for path in CRUDDUR.rglob("*.py"):
        if path.name == "patches.py":
            continue
        names = {node.attr for node in ast.walk(ast.parse(path.read_text()))
                 if isinstance(node, ast.Attribute) and node.attr in PRIVATE}
        if names:
            users[path.name] = names
    assert not users


def test_a_library_outside_the_checked_versions_stops_start_up_with_one_line(monkeypatch, tmp_path):
    real = patches.installed_version
    monkeypatch.setattr(patches, "installed_version",
                        lambda distribution: "3.5.0" if distribution == "watchtower" else real(distribution))
    with pytest.raises(SystemExit) as stopped:
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    message = str(stopped.value.code)
    assert "\n" not in message
    assert message.startswith("cruddur: configuration error: watchtower 3.5.0 is outside watchtower>=3.4.0,<3.5")
    assert "cruddur/telemetry/patches.py" in message


def _pinned(distribution):
    """The version requirements.txt pins (the lower bound of the checked range)."""
    return Version(patches.CHECKED[distribution][0].split(",")[0].removeprefix(">="))


@pytest.mark.parametrize("distribution", sorted(patches.CHECKED))
@given(patch=st.integers(1, 40), later_minor=st.integers(1, 5))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_patch_releases_of_the_checked_minor_pass_and_the_next_minor_is_refused(monkeypatch, distribution, patch,
                                                                                later_minor):
    pinned = _pinned(distribution)
    major, minor = pinned.release[:2]
    for version, accepted in ((f"{major}.{minor}.{pinned.micro + patch}", True),
                              (f"{major}.{minor + later_minor}.0", False), (f"{major + 1}.0.0", False)):
        monkeypatch.setattr(patches, "installed_version", lambda name, v=version: v if name == distribution
                            else str(_pinned(name)))
        problems = patches.version_problems()
        assert (problems == []) == accepted, (version, problems)


def test_a_missing_library_is_refused_too(monkeypatch):
    monkeypatch.setattr(patches, "installed_version", lambda distribution: None)
    assert len(patches.version_problems()) == len(patches.CHECKED)


def _fake_distribution(directory, name, version):
    """A dist-info earlier on sys.path than the real one: importlib.metadata reports its version."""
    info = directory / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return directory


def test_gunicorn_and_flask_refuse_an_unchecked_version_with_one_line(new_database_url, tmp_path):
    fake = _fake_distribution(tmp_path / "site", "rollbar", "9.0.0")
    env = backend_env(new_database_url("sqlite"), PYTHONPATH=str(fake))
    assert_start_refused(env, "cruddur: configuration error: rollbar 9.0.0 is outside rollbar>=1.5.0,<1.6")
