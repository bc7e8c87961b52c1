"""A PATH holding only what bin/run may need: a shell and a few of its utilities, Python and Node.

No apt-get, dpkg or sudo, no PostgreSQL binaries, no Chromium, no pip or pytest on it."""
import hashlib
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What the scripts call besides bash builtins (and what npm and Python's venv may run).
UTILITIES = ["bash", "sh", "env", "cat", "dirname", "uname", "id", "mkdir", "rm", "ls", "cp", "mv",
             "ln", "sleep", "grep", "sed", "tr", "head", "tail", "cut", "readlink", "chmod", "basename"]
FORBIDDEN = ["apt-get", "apt", "dpkg", "sudo", "su", "initdb", "pg_ctl", "postgres", "psql",
             "chromium", "pip", "pip3", "pytest", "docker"]


def base_python():
    """The interpreter behind the test run's virtualenv (Python >= 3.11)."""
    return os.path.realpath(getattr(sys, "_base_executable", sys.executable))


def make_fake_path(directory, python=True, node=True, uname=None):
    """Fill `directory` with links to the allowed tools; returns it as a PATH value."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    links = {name: shutil.which(name) for name in UTILITIES}
    if python:
        # A wrapper that execs the interpreter, as pyenv's shims do, not a link: the .venv made
        # with it then points at the interpreter, not into this directory (which is deleted).
        wrapper = directory / "python3"
        wrapper.write_text(f'#!{links["sh"]}\nexec {base_python()} "$@"\n')
        wrapper.chmod(0o755)
    if node:
        links["node"] = shutil.which("node")
        links["npm"] = shutil.which("npm")
    for name, target in links.items():
        if target:
            (directory / name).symlink_to(os.path.realpath(target) if name in ("node", "npm") else target)
    if uname is not None:
        (directory / "uname").unlink(missing_ok=True)
        stub = directory / "uname"
        stub.write_text(f"#!{links['sh']}\necho {uname}\n")
        stub.chmod(0o755)
    for name in FORBIDDEN:
        assert not (directory / name).exists(), name
    return str(directory)


def runtime_cache_key():
    h = hashlib.sha256()
    h.update((ROOT / "backend-flask" / "requirements.txt").read_bytes())
    h.update(base_python().encode())
    return h.hexdigest()[:16]
