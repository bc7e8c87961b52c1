"""The test run's own hygiene: pytest.ini's `filterwarnings = error` and testkit/sockets.py
make a socket left unclosed fail the run, whether it is dropped during a test or still held at
the end. Each case runs pytest, with the suite's pytest.ini, on a one-file project: in one process, and
with two pytest-xdist workers as bin/test runs it (a worker's finding reaches the controller)."""
import subprocess
import sys

import pytest

from .fake_path import ROOT

CONFTEST = "from testkit.sockets import pytest_sessionfinish, pytest_testnodedown  # noqa: F401\n"

CASES = {
    "dropped_in_a_test": ("import socket\n\ndef test_drops_a_socket():\n    socket.socket()\n", 1),
    "held_to_the_end": ("import socket\n\nHELD = socket.socket()\n\ndef test_nothing():\n    pass\n", 1),
    "closed": ("import socket\n\ndef test_closes():\n    with socket.socket():\n        pass\n", 0),
}


@pytest.mark.parametrize("case", CASES)
def test_an_unclosed_socket_fails_the_run(tmp_path, case):
    _check(tmp_path, case)


@pytest.mark.parametrize("case", CASES)
def test_an_unclosed_socket_fails_the_run_across_xdist_workers(tmp_path, case):
    _check(tmp_path, case, "-n", "2")


def _check(tmp_path, case, *options):
    source, expected = CASES[case]
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_case.py").write_text(source)
    result = subprocess.run([sys.executable, "-m", "pytest", "-c", str(ROOT / "pytest.ini"), "--rootdir", str(tmp_path),
                             "-q", *options, str(tmp_path / "test_case.py")], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == expected, result.stdout + result.stderr
    if expected:
        assert "ResourceWarning" in result.stdout and "unclosed <socket.socket" in result.stdout, result.stdout
