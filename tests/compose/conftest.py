"""Fixtures for the compose tests: the compose file, raw and interpolated, and the backend's variables."""
import pytest
import yaml

from cruddur.config import ENV_VARS

from .stack_files import COMPOSE_FILE, interpolate_tree


@pytest.fixture(scope="session")
def compose_raw():
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="session")
def compose_with():
    """compose_with(env) -> the compose file interpolated against that host environment."""
    raw = yaml.safe_load(COMPOSE_FILE.read_text())
    return lambda env: interpolate_tree(raw, env)


@pytest.fixture(scope="session")
def backend_env_vars():
    """Every environment variable the backend reads, from its own config table."""
    return [name for name, *_ in ENV_VARS]
