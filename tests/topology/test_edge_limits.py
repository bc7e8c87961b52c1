"""The edge holds against one client: what one address can hold at nginx, every answer nginx
gives itself in Cruddur's JSON, and no redirect built from the client's Host. Debian's nginx runs
the shipped templates (testkit/edge.py) in front of the topology's two gunicorn replicas; each
test speaks from its own loopback addresses, since the limits are per address."""
import json
import resource
import shutil
import socket
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from testkit.edge import Nginx
from testkit.net import free_port
from tests.topology.clients import SlowFlood, session_from

CONN_PER_ADDRESS = 32  # limit_conn in default.conf.template
BODY_PAUSE_CUT = 5  # client_body_timeout: a longer pause between two reads of a body ends it
HOSTILE_HOST = "evil.example"


def raw_request(port, data, source="127.0.0.1", timeout=10):
    """Send `data` as is and read until nginx closes; (status line, headers, body) of the answer,
    or None when the connection closed without one."""
    reply = b""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.bind((source, 0))
        sock.connect(("127.0.0.1", port))
        sock.sendall(data)
        try:
            while chunk := sock.recv(65536):
                reply += chunk
        except ConnectionResetError:
            pass
    if not reply:
        return None
    head, _, body = reply.decode("latin-1").partition("\r\n\r\n")
    status_line, *lines = head.split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status_line, headers, body


def status_of(answer):
    return int(answer[0].split()[1])


def assert_cruddur_json(answer, status=None, code=None, head=False):
    """An error in Cruddur's shape: JSON `{"errors": [code]}`, nosniff, never an HTML page."""
    _, headers, body = answer
    assert status is None or status_of(answer) == status, answer
    assert headers.get("content-type", "").startswith("application/json"), answer
    assert headers.get("x-content-type-options") == "nosniff", answer
    assert "<html" not in body.lower(), answer
    if not head:
        errors = json.loads(body)["errors"]
        assert isinstance(errors, list) and errors, answer
        assert code is None or errors == [code], answer


def _paused_body(port, source, pause):
    """A POST whose body stops for `pause` seconds halfway; True when nginx ended it meanwhile."""
    head = (b"POST /api/activities HTTP/1.1\r\nHost: cruddur\r\nContent-Type: application/json\r\n"
            b"Content-Length: 40\r\nConnection: close\r\n\r\n")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.bind((source, 0))
        sock.connect(("127.0.0.1", port))
        sock.sendall(head + b'{"message": "paused",')
        time.sleep(pause)
        try:
            sock.sendall(b' "ttl": "1-day"}'.ljust(19))
            return sock.recv(4096) == b""  # an answer (401: no token) means the body got through
        except OSError:  # reset: nginx gave up on the body
            return True


def test_one_address_holds_at_most_its_share_of_the_edge(topology):
    """1,000 connections from one address, each sending a body one byte every 3 s: nginx reads
    32 of them (and holds them, never a gunicorn worker), answers every other one 429 in JSON at
    once, and other clients are served throughout. A body that pauses longer than 5 s is cut."""
    request = (b"POST /api/activities HTTP/1.1\r\nHost: cruddur\r\nContent-Type: application/json\r\n"
               b"Content-Length: 1000\r\n\r\n{")
    flood = SlowFlood(topology.nginx.port, "127.0.0.20", 1000, request, interval=3.0)
    attack = threading.Thread(target=flood.run, args=(15,))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))  # 1,000 sockets here
    attack.start()
    served = []
    try:
        time.sleep(3)  # every connection of the flood is open, its headers read
        with ThreadPoolExecutor(1) as pool:
            paused = pool.submit(_paused_body, topology.nginx.port, "127.0.0.22", BODY_PAUSE_CUT + 2)
            with session_from("127.0.0.21") as reader:
                for n in range(21):
                    path = ("/api/activities/home", "/", "/api/users/@bayko/short")[n % 3]
                    try:
                        served.append(reader.get(topology.url + path, timeout=10).status_code)
                    except requests.RequestException as exc:
                        served.append(type(exc).__name__)
                    time.sleep(0.2)
            body_cut = paused.result(timeout=30)
    finally:
        attack.join(40)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    statuses = Counter(answer[0] for answer in flood.answers)
    print(f"slow-body flood of 1000 connections from one address: {served.count(200)}/21 normal "
          f"requests served; nginx held {flood.open_at_end} bodies, answered {dict(statuses)}, "
          f"closed {flood.closed} unanswered")
    assert served == [200] * 21
    assert flood.open_at_end <= CONN_PER_ADDRESS
    assert len(flood.answers) >= 500  # most were refused at once, not held
    for status_line, head, body in flood.answers:
        assert status_line == "HTTP/1.1 429 Too Many Requests"
        assert json.loads(body) == {"errors": ["too_many_requests"]}
        assert "Content-Type: application/json" in head and "X-Content-Type-Options: nosniff" in head
        assert "Retry-After: 1" in head
    assert body_cut, f"a body paused for {BODY_PAUSE_CUT + 2} s was still being read"
    assert "WORKER TIMEOUT" not in topology.logs()
    # The flood is over: its address is served again.
    with session_from("127.0.0.20") as former:
        assert former.get(f"{topology.url}/api/activities/home", timeout=10).status_code == 200


def _reads(url, source, paths, threads):
    with session_from(source) as session, ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda path: session.get(url + path, timeout=15), paths))


def test_a_page_load_is_never_limited_and_a_burst_from_one_address_is_429(topology):
    # A browser: six connections, the page and its assets, then the API calls of a few pages.
    page = ["/", "/", "/", "/api/activities/home", "/api/users/@andrewbrown/short",
            "/api/activities/@andrewbrown", "/api/activities/search?term=cloud"] * 3
    browser = _reads(topology.url, "127.0.0.23", page, threads=6)
    assert [r.status_code for r in browser] == [200] * len(page)
    # One address sending 120 requests over 30 connections at once: the first ones are served,
    # the rest are paced, and what would wait too long is refused in JSON.
    flood = _reads(topology.url, "127.0.0.24", ["/"] * 120, threads=30)
    statuses = Counter(r.status_code for r in flood)
    print(f"120 requests from one address over 30 connections: {dict(statuses)}")
    assert set(statuses) == {200, 429} and statuses[200] >= 20
    for response in flood:
        if response.status_code == 429:
            assert response.json() == {"errors": ["too_many_requests"]}
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Retry-After"] == "1"
    # Another address is not affected.
    with session_from("127.0.0.25") as other:
        assert other.get(f"{topology.url}/api/activities/home", timeout=10).status_code == 200


# Each case: the bytes a client sends, the status nginx answers, and the code in its JSON body.
EDGE_ERRORS = {
    "duplicate Host": (b"GET /api/activities/home HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "bad_request"),
    "a header line over 4 KiB": (b"GET /api/activities/home HTTP/1.1\r\nHost: a\r\nX-Big: " + b"b" * 5000
                                 + b"\r\n\r\n", 400, "bad_request"),
    "a path above the root": (b"GET /../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_request"),
    "%00 in the path": (b"GET /api/%00 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_request"),
    "not HTTP": (b"\x16\x03\x01\x00\xa5\x01\x00\x00\r\n\r\n", 400, "bad_request"),
    "a missing asset": (b"GET /assets/missing.js HTTP/1.1\r\nHost: a\r\n\r\n", 404, "not_found"),
    "POST to the UI": (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}", 405, "method_not_allowed"),
    "TRACE": (b"TRACE /api/activities/home HTTP/1.1\r\nHost: a\r\n\r\n", 405, "method_not_allowed"),
    "a body over 64 KiB": (b"POST /api/activities HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999\r\n\r\n",
                           413, "request_entity_too_large"),
    "a URI of 5 KiB": (b"GET /api/" + b"u" * 5000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414, "request_uri_too_long"),
    "a URI of 9 KiB": (b"GET /api/" + b"u" * 9000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414, "request_uri_too_long"),
    "a range past the end": (b"GET /index.html HTTP/1.1\r\nHost: a\r\nRange: bytes=99999999-\r\n\r\n", 416,
                             "requested_range_not_satisfiable"),
    "an unknown transfer coding": (b"POST /api/activities HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
                                   501, "not_implemented"),
    "HTTP/2.0 in plain text": (b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "http_version_not_supported"),
}


def test_every_status_nginx_answers_is_cruddurs_json(topology):
    for name, (data, status, code) in EDGE_ERRORS.items():
        # Connection: close where the request line allows it; nginx closes after an error anyway.
        if b"Host: a\r\n" in data:
            data = data.replace(b"Host: a\r\n", b"Host: a\r\nConnection: close\r\n", 1)
        answer = raw_request(topology.nginx.port, data, source="127.0.0.26")
        assert answer is not None, name
        assert_cruddur_json(answer, status, code)
        assert answer[1]["server"] == "nginx", name


METHODS = st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "get", "G@T"])
SEGMENTS = st.sampled_from(["api", "activities", "home", "@andrewbrown", "..", ".", "", "%00", "%2e%2e", "%2F",
                            "%", "%zz", "rollbar", "assets", "index.html", "\t", "a b", "\x7f", "\xff", "~"])
# No bare `GET /path` (HTTP/0.9): its answer is a body alone, with no status line or headers.
VERSIONS = st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1x", "HTTP/9.9", "HTTP/0.9", "HTTP/"])


@settings(max_examples=80, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(method=METHODS, lead=st.sampled_from(["/", "//", "/api/", "/api//", "///api/"]),
       segments=st.lists(SEGMENTS, max_size=8), filler=st.integers(0, 9000), version=VERSIONS)
@example(method="GET", lead="/api/", segments=[], filler=5000, version="HTTP/1.1")
@example(method="GET", lead="/api/", segments=[], filler=8000, version="HTTP/1.1")
@example(method="GET", lead="/", segments=["..", ".."], filler=0, version="HTTP/1.1")
@example(method="GET", lead="/api/", segments=["%00"], filler=0, version="HTTP/1.1")
@example(method="GET", lead="//", segments=["api", "", "activities", "home"], filler=0, version="HTTP/1.1")
@example(method="POST", lead="/", segments=[], filler=0, version="HTTP/1.1")
def test_hostile_request_lines_get_json_and_no_redirect_to_the_clients_host(topology, method, lead, segments,
                                                                           filler, version):
    target = lead + "/".join(segments) + "x" * filler
    line = f"{method} {target} {version}".rstrip()
    data = (line + f"\r\nHost: {HOSTILE_HOST}\r\nConnection: close\r\n\r\n").encode("latin-1")
    answer = raw_request(topology.nginx.port, data, source="127.0.0.27")
    assert answer is not None, line[:200]
    status = status_of(answer)
    if status >= 400:
        assert_cruddur_json(answer, head=method == "HEAD")
    if 300 <= status < 400:
        assert HOSTILE_HOST not in answer[1].get("location", ""), answer
    assert HOSTILE_HOST not in answer[1].get("location", "")


@settings(max_examples=40, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(count=st.integers(0, 1500), size=st.integers(0, 60), big=st.integers(0, 6000))
@example(count=150, size=4, big=0)
@example(count=1200, size=4, big=0)
@example(count=0, size=0, big=4000)
@example(count=0, size=0, big=5000)
def test_many_or_large_headers_are_answered_in_json(topology, count, size, big):
    """More than gunicorn's default 100 headers, or longer lines than its default limits: either
    nginx refuses them (JSON 400) or the backend answers (JSON), never gunicorn's HTML 431."""
    headers = "".join(f"X-H{i}: {'v' * size}\r\n" for i in range(count))
    if big:
        headers += f"X-Big: {'b' * big}\r\n"
    data = (f"GET /api/activities/home HTTP/1.1\r\nHost: cruddur\r\nConnection: close\r\n{headers}\r\n"
            ).encode()
    answer = raw_request(topology.nginx.port, data, source="127.0.0.28")
    assert answer is not None
    assert status_of(answer) in (200, 400), answer[0]
    assert answer[1]["content-type"].startswith("application/json"), answer[:2]
    assert "<html" not in answer[2].lower()


def test_merged_slashes_never_redirect_to_the_clients_host(topology):
    """`//api//…` used to reach the backend, whose router answered 308 with a Location built from
    the client's Host. Neither the edge nor a replica answers with a redirect now."""
    replica = topology.replicas[0]
    for port, path in [(topology.nginx.port, "//api//activities/home"),
                       (topology.nginx.port, "/api//activities/home"),
                       (topology.nginx.port, "///api/activities/home"),
                       (replica.port, "//api//activities/home"),
                       (replica.port, "/api//users/@bayko/short"),
                       (replica.port, "/api/activities/home/")]:
        data = f"GET {path} HTTP/1.1\r\nHost: {HOSTILE_HOST}\r\nConnection: close\r\n\r\n".encode()
        answer = raw_request(port, data, source="127.0.0.29")
        status = status_of(answer)
        assert not 300 <= status < 400 and "location" not in answer[1], (port, path, answer[:2])
        if path.startswith("/api/"):  # routed to the backend: its JSON, 404 when nothing matches
            assert answer[1]["content-type"].startswith("application/json"), (port, path, answer[:2])
        assert HOSTILE_HOST not in answer[2]


def test_nginx_redirects_are_relative_and_json():
    """A UI directory asked without its slash: nginx's own 301 carries a relative Location (never
    the client's Host) and a JSON body; the directory itself is a JSON 404. Without index.html
    (a broken build), a client-side route is a JSON 404, not a redirect cycle's HTML 500."""
    root = Path(tempfile.mkdtemp(prefix="cruddur-ui-"))
    root.chmod(0o755)  # nginx's workers run as an unprivileged user
    (root / "assets").mkdir(mode=0o755)
    (root / "assets" / "app.js").write_text("export {};\n")
    edge = Nginx([f"127.0.0.1:{free_port()}"], root=root).start()
    try:
        ask = f"GET {{}} HTTP/1.1\r\nHost: {HOSTILE_HOST}\r\nConnection: close\r\n\r\n"
        redirect, listing, asset, route = (raw_request(edge.port, ask.format(path).encode()) for path in
                                           ("/assets", "/assets/", "/assets/app.js", "/messages/bayko"))
    finally:
        edge.stop()
        shutil.rmtree(root, ignore_errors=True)
    assert_cruddur_json(redirect, 301, "moved_permanently")
    assert redirect[1]["location"] == "/assets/"
    assert_cruddur_json(listing, 404, "not_found")
    assert status_of(asset) == 200 and asset[2] == "export {};\n"
    assert_cruddur_json(route, 404, "not_found")
