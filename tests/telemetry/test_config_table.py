"""Configuration is read in one place: config.py reads the environment, through ENV_VARS, and
every other module takes its settings from app.config."""
import ast
from collections import UserDict
from pathlib import Path

from cruddur import config
from cruddur.config import CONFIG_KEYS, ENV_VARS, READ_BY_LIBRARIES, Config

BACKEND = Path(__file__).resolve().parents[2] / "backend-flask"
SOURCES = [*sorted((BACKEND / "cruddur").rglob("*.py")), BACKEND / "app.py", BACKEND / "gunicorn.conf.py"]
# Keys read by config.py itself, while it builds the others.
READ_IN_CONFIG = {"ENV": "the SECRET_KEY check", "DATA_HOME": "the default database and key locations",
                  "LOCAL_AWS_URL": "the local AWS standing in (_use_local_services)",
                  "LOCAL_ROLLBAR_URL": "the local Rollbar sink standing in (_use_local_services)"}


def _environment_reads(path):
    """(line, what) for every os.environ / os.getenv use in a module (a WSGI request.environ is not one)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (isinstance(node, ast.Attribute) and node.attr in ("environ", "environb", "getenv", "getenvb")
                and isinstance(node.value, ast.Name) and node.value.id == "os"):
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [(node.lineno, alias.name) for alias in node.names if alias.name in ("environ", "getenv")]
    return found


def test_only_config_py_reads_the_environment():
    readers = {str(path.relative_to(BACKEND)): reads for path in SOURCES
               if path.name != "config.py" and (reads := _environment_reads(path))}
    assert not readers


class RecordingEnv(UserDict):
    def __init__(self, data):
        super().__init__(data)
        self.asked = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)


def test_config_reads_exactly_the_table_rows_cruddur_reads(tmp_path):
    env = RecordingEnv({"SECRET_KEY": "x", "XDG_DATA_HOME": str(tmp_path)})
    Config(env)
    own_rows = {name for name, _, _ in ENV_VARS} - set(READ_BY_LIBRARIES)
    assert env.asked == own_rows


def test_the_table_names_each_variable_once_and_documents_the_library_ones():
    names = [name for name, _, _ in ENV_VARS]
    assert len(names) == len(set(names))
    meanings = {name: meaning for name, _, meaning in ENV_VARS}
    for name, library in READ_BY_LIBRARIES.items():
        assert f"read by {library}" in meanings[name], name
    assert set(CONFIG_KEYS) <= set(names)


def test_every_config_key_from_the_table_is_read_by_the_backend():
    texts = "\n".join(path.read_text() for path in SOURCES if path.name != "config.py")
    unread = [key for name, _, _ in ENV_VARS if name not in READ_BY_LIBRARIES
              and (key := CONFIG_KEYS.get(name, name)) not in READ_IN_CONFIG
              and f'"{key}"' not in texts and f"'{key}'" not in texts]
    assert not unread


def test_defaults_come_from_the_table(tmp_path):
    settings = Config({"SECRET_KEY": "x", "XDG_DATA_HOME": str(tmp_path)}).as_mapping()
    assert settings["ROLLBAR_ENDPOINT"] == config.DEFAULTS["ROLLBAR_ENDPOINT"]
    assert settings["SIGNIN_LIMIT_PER_ACCOUNT"] == config.DEFAULTS["CRUDDUR_SIGNIN_LIMIT_PER_ACCOUNT"]
    assert settings["PORT"] == int(config.DEFAULTS["PORT"])
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'cruddur' / 'cruddur.sqlite3'}"


def test_gunicorn_takes_its_settings_from_the_same_table():
    assert config.server_settings({"PORT": "5000", "GUNICORN_WORKERS": "3"}) == {
        "PORT": 5000, "GUNICORN_WORKERS": 3, "GUNICORN_CONTROL_SOCKET": ""}
    assert config.server_settings({})["PORT"] == int(config.DEFAULTS["PORT"])
