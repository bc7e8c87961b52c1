"""The UI's own server (frontend-react-js/vite.config.js, bin/run's `vite preview`): /api/ and /rollbar/
go to BACKEND_ADDR, an API that does not answer gets Cruddur's JSON 502, and the host of FRONTEND_URL is
served as well as localhost and IP addresses."""
import os
import signal
import subprocess

import pytest
import requests

from testkit.frontend import FRONTEND, VITE, ensure_node_modules
from testkit.net import free_port, wait_for_http


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    """`vite preview` of a one-file build, proxying to a loopback port where nothing listens."""
    dist = tmp_path_factory.mktemp("dist")
    (dist / "index.html").write_text('<!doctype html><div id="root"></div>')
    ensure_node_modules()
    port = free_port()
    env = {"PATH": os.environ["PATH"], "HOME": str(dist), "BACKEND_ADDR": f"127.0.0.1:{free_port()}",
           "FRONTEND_URL": f"http://cruddur.example:{port}"}
    process = subprocess.Popen(
        [str(VITE), "preview", "--outDir", str(dist), "--port", str(port), "--strictPort", "--host", "127.0.0.1"],
        cwd=FRONTEND, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", process=process)
        yield f"http://127.0.0.1:{port}", port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.parametrize("path", ["/api/activities/home", "/rollbar/test"])
def test_an_api_that_does_not_answer_is_a_json_502(preview, path):
    url, _ = preview
    response = requests.get(url + path, timeout=10)
    assert response.status_code == 502
    assert response.json() == {"errors": ["backend_unavailable"]}


def test_other_paths_are_the_ui(preview):
    url, _ = preview
    assert '<div id="root">' in requests.get(url + "/@andrewbrown", timeout=10).text


@pytest.mark.parametrize("host, status", [("cruddur.example", 200), ("localhost", 200), ("127.0.0.1", 200),
                                          ("elsewhere.example", 403)])
def test_the_host_of_frontend_url_is_served_as_well_as_localhost_and_addresses(preview, host, status):
    url, port = preview
    assert requests.get(url + "/", headers={"Host": f"{host}:{port}"}, timeout=10).status_code == status
