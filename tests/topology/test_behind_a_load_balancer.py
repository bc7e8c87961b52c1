"""The edge behind a load balancer, as on ECS: every request reaches nginx from the load balancer's
nodes, and only their X-Forwarded-For says who the client is. Debian's nginx runs the shipped
templates (testkit/edge.py) with NGINX_REAL_IP_FROM naming the proxies' range (127.0.2.0/24 here,
the VPC's range there), in front of a small WSGI upstream wrapped as the backend wraps itself
(ProxyFix with the task's CRUDDUR_PROXY_HOPS), which can hold requests open. The per-address
limits then count each client, not the proxy; a client outside that range cannot name itself."""
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import make_server

from testkit.edge import Nginx
from testkit.net import free_port
from tests.aws.cfn import load
from tests.topology.clients import session_from

PROXIES = "127.0.2.0/24"  # NGINX_REAL_IP_FROM: the load balancer's nodes
PROXY = "127.0.2.1"  # one load balancer node
OUTSIDER = "127.0.3.1"  # a client reaching nginx directly, outside that range
CONN_PER_ADDRESS = 32  # limit_conn in default.conf.template
HOLD_S = 20  # the upstream never holds a request longer than this, released or not


def _task_proxy_hops():
    """CRUDDUR_PROXY_HOPS as the ECS backend task sets it (aws/cfn/service.yaml)."""
    task = load("service")["Resources"]["BackendTaskDefinition"]["Properties"]
    [gunicorn] = [c for c in task["ContainerDefinitions"] if c["Name"] == "backend-flask"]
    return int(next(e["Value"] for e in gunicorn["Environment"] if e["Name"] == "CRUDDUR_PROXY_HOPS"))


class Upstream:
    """Answers with the client it sees after ProxyFix; `/api/hold/<tag>` waits until that tag is
    released, counting the requests that have arrived."""

    def __init__(self, hops):
        self.arrived, self.released = {}, set()
        self.condition = threading.Condition()
        self.server = make_server("127.0.0.1", free_port(), ProxyFix(self.app, x_for=hops, x_proto=hops),
                                  threaded=True)
        self.address = f"127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def app(self, environ, start_response):
        path = environ["PATH_INFO"]
        if path.startswith("/api/hold/"):
            tag = path.rsplit("/", 1)[1]
            with self.condition:
                self.arrived[tag] = self.arrived.get(tag, 0) + 1
                self.condition.notify_all()
                self.condition.wait_for(lambda: tag in self.released, timeout=HOLD_S)
        body = json.dumps({"client": environ["REMOTE_ADDR"], "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
                           "scheme": environ["wsgi.url_scheme"]})
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body.encode()]

    def wait_for(self, tag, count):
        with self.condition:
            return self.condition.wait_for(lambda: self.arrived.get(tag, 0) >= count, timeout=HOLD_S)

    def release(self, tag):
        with self.condition:
            self.released.add(tag)
            self.condition.notify_all()


@pytest.fixture(scope="module")
def edge():
    upstream = Upstream(_task_proxy_hops())
    upstream.thread.start()
    nginx = Nginx([upstream.address], real_ip_from=PROXIES).start()
    yield nginx, upstream
    nginx.stop()
    upstream.server.shutdown()


def get(url, source, client=None, proto=None, timeout=HOLD_S + 10):
    """A GET from `source`; `client` and `proto` are the X-Forwarded-For and X-Forwarded-Proto it
    carries (None: none)."""
    headers = ({"Connection": "close"} | ({"X-Forwarded-For": client} if client else {})
               | ({"X-Forwarded-Proto": proto} if proto else {}))
    with session_from(source) as session:
        return session.get(url, headers=headers, timeout=timeout)


def hold(edge, tag, source, clients):
    """One held request per entry of `clients` (its X-Forwarded-For), all in progress at nginx and
    arrived upstream before this returns; the futures of their answers."""
    nginx, upstream = edge
    pool = ThreadPoolExecutor(max_workers=len(clients))
    futures = [pool.submit(get, f"{nginx.url}/api/hold/{tag}", source, client) for client in clients]
    pool.shutdown(wait=False)
    assert upstream.wait_for(tag, len(clients)), upstream.arrived
    return futures


def test_nginx_and_the_backend_see_the_client_the_load_balancer_names(edge):
    nginx, _ = edge
    # The load balancer appends the address it saw to what the client sent: only that last one
    # is the client's. nginx appends it again, and the backend takes that one hop. The scheme is
    # the one the client used with the load balancer (HSTS follows it).
    seen = get(f"{nginx.url}/api/echo", PROXY, "198.51.100.9, 203.0.113.7", "https").json()
    assert seen == {"client": "203.0.113.7", "forwarded_for": "198.51.100.9, 203.0.113.7, 203.0.113.7",
                    "scheme": "https"}
    # The load balancer's own health check carries no X-Forwarded-For: the node is the client.
    seen = get(f"{nginx.url}/api/echo", PROXY).json()
    assert seen == {"client": PROXY, "forwarded_for": PROXY, "scheme": "http"}
    # From outside the proxies' range the headers name no one and no scheme.
    seen = get(f"{nginx.url}/api/echo", OUTSIDER, "203.0.113.7", "https").json()
    assert seen == {"client": OUTSIDER, "forwarded_for": f"203.0.113.7, {OUTSIDER}", "scheme": "http"}


def test_one_client_at_its_limit_leaves_the_others_behind_the_same_proxy_alone(edge):
    nginx, upstream = edge
    busy, other = "203.0.113.10", "203.0.113.11"
    held = hold(edge, "busy", PROXY, [busy] * CONN_PER_ADDRESS)
    try:
        # The busy client's next request is over its own limit...
        over = get(f"{nginx.url}/api/echo", PROXY, busy)
        assert over.status_code == 429 and over.json() == {"errors": ["too_many_requests"]}
        # ...while another client, through the very same proxy address, is served.
        served = get(f"{nginx.url}/api/echo", PROXY, other)
        assert served.status_code == 200 and served.json()["client"] == other
    finally:
        upstream.release("busy")
    assert [f.result().status_code for f in held] == [200] * CONN_PER_ADDRESS
    assert {f.result().json()["client"] for f in held} == {busy}


def test_a_forged_x_forwarded_for_from_outside_buys_no_new_address(edge):
    nginx, upstream = edge
    forged = [f"198.51.100.{i + 1}" for i in range(CONN_PER_ADDRESS)]
    held = hold(edge, "forged", OUTSIDER, forged)
    try:
        # Yet another made-up client is still the same address to nginx.
        over = get(f"{nginx.url}/api/echo", OUTSIDER, "198.51.100.200")
        assert over.status_code == 429 and over.json() == {"errors": ["too_many_requests"]}
        # The edge itself is not full: a client behind the proxy is served.
        assert get(f"{nginx.url}/api/echo", PROXY, "203.0.113.12").status_code == 200
    finally:
        upstream.release("forged")
    assert {f.result().json()["client"] for f in held} == {OUTSIDER}
