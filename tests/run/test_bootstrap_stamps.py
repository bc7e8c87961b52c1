"""bin/bootstrap's two sets share one .venv and stay idempotent in either order: the runtime set
(bin/run) never makes the test set (bin/test) look installed, and the test set covers the runtime
set. pip is a stub here that records what it was asked to install."""
import os
import shutil
import subprocess

from .fake_path import ROOT, make_fake_path

STUB_PYTHON = """#!/bin/sh
[ "$1" = "-c" ] && exit 0
echo "$*" >> "$(dirname "$0")/../pip.log"
"""


def make_checkout(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "bin", repo / "bin")
    (repo / "backend-flask").mkdir()
    for name in ("requirements.txt", "pyproject.toml"):
        shutil.copy(ROOT / "backend-flask" / name, repo / "backend-flask")
    for name in ("requirements-dev.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, repo)
    (repo / "frontend-react-js" / "node_modules").mkdir(parents=True)
    shutil.copy(ROOT / "frontend-react-js" / "package-lock.json", repo / "frontend-react-js")
    python = repo / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(STUB_PYTHON)
    python.chmod(0o755)
    return repo


def bootstrap(repo, path, *args):
    subprocess.run([str(repo / "bin" / "bootstrap"), *args], env={"PATH": path, "HOME": str(repo)},
                   check=True, capture_output=True, text=True, timeout=60)
    log = repo / ".venv" / "pip.log"
    # What each pip call installed: a requirements file (-r FILE) or a project, editable (-e DIR).
    installed = [line.split("-r ")[-1].strip() if "-r " in line else "-e " + line.split("-e ")[-1].strip()
                 for line in log.read_text().splitlines()] if log.exists() else []
    log.unlink(missing_ok=True)
    return installed


def test_runtime_and_test_sets_are_idempotent_in_either_order(tmp_path):
    repo = make_checkout(tmp_path)
    runtime_path = make_fake_path(tmp_path / "bin")  # no apt-get, no sudo: the runtime set needs neither
    # The test set finds PostgreSQL and Chromium on this machine (bin/test installed them), so it calls no apt-get.
    test_path = os.environ["PATH"]
    lock = repo / "frontend-react-js" / "node_modules" / ".package-lock.sha256"
    lock.write_text(subprocess.run(["sha256sum", str(repo / "frontend-react-js" / "package-lock.json")],
                                   capture_output=True, text=True).stdout.split()[0] + "\n")

    runtime = ["backend-flask/requirements.txt", "-e backend-flask"]
    test = ["requirements-dev.txt", "-e backend-flask", "-e ."]
    assert bootstrap(repo, runtime_path, "--runtime") == runtime
    assert bootstrap(repo, runtime_path) == []  # --runtime is the default
    assert bootstrap(repo, test_path, "--with-test-tools") == test
    assert bootstrap(repo, test_path, "--with-test-tools") == []
    assert bootstrap(repo, runtime_path, "--runtime") == []  # the test set includes the runtime set

    with open(repo / "backend-flask" / "requirements.txt", "a") as requirements:
        requirements.write("# changed\n")
    assert bootstrap(repo, runtime_path, "--runtime") == runtime
    assert bootstrap(repo, test_path, "--with-test-tools") == test
    assert bootstrap(repo, runtime_path, "--runtime") == []
    assert bootstrap(repo, test_path, "--with-test-tools") == []
