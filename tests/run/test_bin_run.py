"""bin/run needs Python and Node only, serves the API and the UI on one origin, and stops everything it
started.

bin/run runs in a copy of the repository's files with a PATH that has Python, Node and a shell but
no apt-get, no PostgreSQL, no sudo and no pip (tests/run/fake_path.py). The copy lives in a cache
directory keyed by backend-flask/requirements.txt and the interpreter, so its .venv, which bin/run's
own `bin/bootstrap --runtime` made there on the first run, is reused by later runs (its stamp
matches). The test checks that this .venv has the runtime requirements only: bin/run served with
no test tool installed. The frontend packages are the suite's own (a link to its node_modules)."""
import fcntl
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from testkit.frontend import CHROMIUM, CHROMIUM_ARGS, require_chromium
from testkit.net import free_port
from testkit.procs import descendants, processes, still_running

from .fake_path import ROOT, make_fake_path, runtime_cache_key

TEST_TOOLS = ["pytest", "playwright", "moto", "schemathesis", "check_jsonschema", "openapi_spec_validator"]
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "node_modules", "dist", "__pycache__", "*.pyc",
                                     "*.sqlite3", ".pytest_cache")


@pytest.fixture(scope="module")
def checkout():
    """The repository's files in a cached directory (its .venv kept), locked for this module."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cruddur-tests" / "bin-run"
    cache.mkdir(parents=True, exist_ok=True)
    key = runtime_cache_key()
    with open(cache / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test run on this machine waits its turn
        for stale in cache.iterdir():
            if stale.is_dir() and stale.name != key:
                shutil.rmtree(stale, ignore_errors=True)
        repo = cache / key
        repo.mkdir(exist_ok=True)
        for entry in repo.iterdir():
            if entry.name == ".venv":
                continue
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        shutil.copytree(ROOT, repo, ignore=COPY_IGNORE, dirs_exist_ok=True, symlinks=True)
        (repo / "frontend-react-js" / "node_modules").symlink_to(ROOT / "frontend-react-js" / "node_modules")
        yield repo


def wait_for(url, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"bin/run exited with {process.returncode} before serving {url}"
        try:
            response = requests.get(url, timeout=2)
            if response.status_code == 200:
                return response
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer 200 within {timeout}s")


def feed_seen_at(browser, ui_url):
    """Open the UI at ui_url in a fresh profile: the home feed's messages, the origins its API calls
    went to, and any page or console error (a CORS refusal is one)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        errors, api_origins = [], set()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("request", lambda request: "/api/" in request.url and api_origins.add(
            request.url.split("/api/")[0]))
        page.goto(ui_url)
        messages = page.locator(".activity-feed .activity-item .message")
        expect(messages.first).to_be_visible(timeout=30_000)
        expect(page.get_by_role("alert")).to_have_count(0)
        return {"messages": messages.all_inner_texts(), "api_origins": api_origins, "errors": errors}
    finally:
        context.close()


@pytest.mark.timeout(900)  # the first run on a machine installs the runtime requirements
def test_bin_run_serves_with_python_and_node_only_and_sigterm_stops_everything(checkout, tmp_path, playwright):
    path = make_fake_path(tmp_path / "bin")
    port, ui_port = free_port(), free_port()
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8", "PORT": str(port), "FRONTEND_PORT": str(ui_port),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}", "XDG_DATA_HOME": str(home / "data"),
           **{k: v for k, v in os.environ.items() if k.startswith("PIP_")}}  # where this machine's wheels are
    log_path = tmp_path / "run.log"
    with open(log_path, "w") as log:
        run = subprocess.Popen([str(checkout / "bin" / "run")], cwd=tmp_path, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        health = wait_for(f"http://127.0.0.1:{port}/api/health-check", run, timeout=840)
        assert health.json()["success"] is True
        home_feed = requests.get(f"http://127.0.0.1:{port}/api/activities/home", timeout=10).json()
        assert any(a["handle"] == "andrewbrown" for a in home_feed), "the demo data is seeded"
        ui = wait_for(f"http://127.0.0.1:{ui_port}/", run, timeout=60)
        assert '<div id="root">' in ui.text

        # One origin: the UI's server answers /api/ and /rollbar/ from gunicorn, so the UI works at
        # whatever address reaches its port, although the API's CORS origin (FRONTEND_URL) is
        # bin/run's default, http://localhost:<FRONTEND_PORT>.
        proxied = requests.get(f"http://127.0.0.1:{ui_port}/api/health-check", timeout=10)
        assert proxied.status_code == 200 and proxied.json()["success"] is True
        assert requests.get(f"http://127.0.0.1:{ui_port}/rollbar/test", timeout=10).text == "Hello World!"
        seeded = {a["message"] for a in home_feed} | {r["message"] for a in home_feed for r in a["replies"]}
        require_chromium()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for host in ("127.0.0.1", "localhost"):
                origin = f"http://{host}:{ui_port}"
                seen = feed_seen_at(browser, f"{origin}/")
                assert seen["errors"] == [], (origin, seen["errors"])
                assert seen["api_origins"] == {origin}, (origin, seen["api_origins"])
                assert seen["messages"] and set(seen["messages"]) <= seeded, (origin, seen["messages"])
        finally:
            browser.close()

        started = descendants(run.pid)
        commands = " ".join(info["cmdline"] for info in started.values())
        assert "gunicorn" in commands and "vite" in commands and "preview" in commands, commands
        assert sum("gunicorn" in info["cmdline"] for info in started.values()) >= 3, "arbiter and two workers"

        run.send_signal(signal.SIGTERM)
        code = run.wait(timeout=60)
        assert code == 128 + signal.SIGTERM, code
        left = still_running(started)
        left.update({pid: info for pid, info in processes().items() if info["sid"] == run.pid})
        assert not left, f"bin/run left processes behind: {left}"
        for probe in (f"http://127.0.0.1:{port}/api/health-check", f"http://127.0.0.1:{ui_port}/"):
            with pytest.raises(requests.ConnectionError):
                requests.get(probe, timeout=2)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
        print(log_path.read_text()[-4000:])

    # The .venv bin/run served from holds the runtime requirements, and no test tool.
    venv_python = checkout / ".venv" / "bin" / "python"
    probe = ("import importlib.util, sys; "
             f"print(' '.join(m for m in {TEST_TOOLS!r} if importlib.util.find_spec(m)))")
    installed = subprocess.run([str(venv_python), "-c", probe], capture_output=True, text=True, check=True).stdout
    assert installed.strip() == "", f"bin/run installed test tools: {installed}"
    assert not (checkout / ".venv" / ".test-requirements.sha256").exists()
    assert (checkout / ".venv" / ".runtime-requirements.sha256").exists()


def run_without(tmp_path, **fake):
    path = make_fake_path(tmp_path / "bin", **fake)
    return subprocess.run([str(ROOT / "bin" / "run")], env={"PATH": path, "HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("uname, expected", [
    ("Linux", "sudo apt-get install nodejs npm"),  # this machine is Debian (/etc/os-release)
    ("Darwin", "brew install node@20"),
])
def test_missing_node_says_in_one_line_what_to_install(tmp_path, uname, expected):
    result = run_without(tmp_path, node=False, uname=uname)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("bin/run needs Node.js 20 with npm"), lines[0]
    assert expected in lines[0], lines[0]
    assert "python" not in lines[0].split("install:")[1], "Python is there: only Node is named"
    assert result.stdout == ""


@pytest.mark.parametrize("uname, expected", [
    ("Linux", "sudo apt-get install python3 python3-venv nodejs npm"),
    ("Darwin", "brew install python@3.11 node@20"),
])
def test_missing_python_and_node_are_named_together(tmp_path, uname, expected):
    result = run_without(tmp_path, python=False, node=False, uname=uname)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("bin/run needs Python >= 3.11 and Node.js 20 with npm"), lines[0]
    assert expected in lines[0], lines[0]
