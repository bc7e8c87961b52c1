"""The shipped nginx template as the edge: the API behind it, and nginx's own errors in
Cruddur's JSON shape."""
import socket

import pytest
import requests

from testkit.edge import Nginx
from testkit.net import free_port
from tests.topology.clients import session_from


def test_the_api_and_its_headers_pass_through(topology):
    response = requests.get(f"{topology.url}/api/activities/home", timeout=10)
    assert response.status_code == 200 and isinstance(response.json(), list)
    assert response.headers["Server"] == "nginx"  # no version
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    health = requests.get(f"{topology.url}/api/health-check", timeout=10)
    assert health.status_code == 200 and health.json()["success"] is True


def test_the_access_line_sees_the_client_not_the_proxy(topology):
    with session_from("127.0.0.3") as session:
        marker = "/api/users/@bayko/short"
        # A forged X-Forwarded-For from the client is not believed: nginx appends the peer.
        response = session.get(topology.url + marker, headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10)
        assert response.status_code == 200
    lines = [line for line in topology.logs().splitlines() if marker in line and '"client"' in line]
    assert lines and all('"client": "127.0.0.3"' in line for line in lines[-1:])
    assert "203.0.113.9" not in lines[-1]


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_the_limit_is_a_json_413(topology, chunked):
    body = b'{"message": "' + b"x" * (70 * 1024) + b'"}'
    data = iter([body[:1000], body[1000:]]) if chunked else body
    response = requests.post(f"{topology.url}/api/activities", data=data, timeout=10,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"errors": ["request_entity_too_large"]}
    assert response.headers["Content-Type"].startswith("application/json")


def test_a_malformed_request_is_a_json_400(topology):
    with socket.create_connection(("127.0.0.1", topology.nginx.port), timeout=5) as sock:
        sock.sendall(b"GET /api/activities/home HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
        reply = sock.recv(4096).decode()
    status_line, _, rest = reply.partition("\r\n")
    assert " 400 " in status_line
    assert '{"errors": ["bad_request"]}' in rest and "<html>" not in rest


def test_no_reachable_replica_is_a_json_502():
    edge = Nginx([f"127.0.0.1:{free_port()}"]).start()
    try:
        response = requests.get(f"{edge.url}/api/activities/home", timeout=10)
    finally:
        edge.stop()
    assert response.status_code == 502
    assert response.json() == {"errors": ["backend_unavailable"]}
    assert response.headers["Server"] == "nginx"
