"""gunicorn >= 25.1 opens a control socket, by default at one path per user that every instance on
the host would take over. Under Cruddur's gunicorn.conf.py it is off, or at a path per instance."""
import os
import time
from pathlib import Path

import pytest

from testkit.gunicorn import Gunicorn, backend_env, flask_command


def unix_socket_paths(pid):
    """Paths of the unix sockets that process `pid` holds (from /proc/<pid>/fd and /proc/net/unix)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    paths = set()
    for line in Path(f"/proc/{pid}/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and fields[6] in inodes:
            paths.add(fields[7])
    return paths


@pytest.fixture
def two_servers(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    database_url = f"sqlite:///{tmp_path / 'ctl.sqlite3'}"
    flask_command(backend_env(database_url), "db", "upgrade")
    started = []

    def start(**extra):
        env = backend_env(database_url, HOME=home, **extra)
        env.pop("XDG_RUNTIME_DIR", None)  # gunicorn's default would then be ~/.gunicorn/gunicorn.ctl
        server = Gunicorn(env, workers=1).start()
        started.append(server)
        return server

    yield start, home
    for server in started:
        server.stop()


def test_two_instances_open_no_shared_control_socket(two_servers):
    start, home = two_servers
    first, second = start(), start()
    time.sleep(1)  # the control server starts in a thread after the arbiter binds
    for server in (first, second):
        assert not any(p.endswith(".ctl") for p in unix_socket_paths(server.process.pid))
    assert not (home / ".gunicorn").exists()


def test_a_control_socket_asked_for_is_the_instance_s_own(two_servers, tmp_path):
    start, home = two_servers
    paths = [tmp_path / "first.ctl", tmp_path / "second.ctl"]
    servers = [start(GUNICORN_CONTROL_SOCKET=path) for path in paths]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(path.exists() for path in paths):
        time.sleep(0.1)
    for server, path in zip(servers, paths, strict=True):
        assert unix_socket_paths(server.process.pid) & {str(p) for p in paths} == {str(path)}
    assert not (home / ".gunicorn").exists()
