"""Clients for the topology tests: a session bound to a chosen loopback source address, a
header-dribbling slow client, and a bounded mixed read/write load that records every outcome."""
import socket
import threading
import time

import requests
from requests.adapters import HTTPAdapter

from testkit.auth import bearer, sign_in
from testkit.load import EXPECTED, one_request


class SourceAddressAdapter(HTTPAdapter):
    """Connects from `address` (e.g. 127.0.0.2), so the edge sees a second client."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address):
    session = requests.Session()
    session.mount("http://", SourceAddressAdapter(address))
    return session


def dribble_headers(port, seconds, interval=0.5):
    """Send a request's headers one byte every `interval` for at most `seconds`; True when the
    server closed the connection first."""
    deadline = time.monotonic() + seconds
    payload = b"GET /api/activities/home HTTP/1.1\r\nHost: cruddur\r\nX-Slow: " + b"s" * 1000
    with socket.create_connection(("127.0.0.1", port), timeout=interval * 4) as sock:
        for byte in payload:
            if time.monotonic() >= deadline:
                return False
            try:
                sock.sendall(bytes([byte]))
                time.sleep(interval)
            except OSError:  # reset or broken pipe: the server gave up on us
                return True
        return False


class MixedLoad:
    """Reads and writes from `threads` threads until stopped (and at most `max_requests`)."""

    KINDS = ("home", "post", "search", "reply")

    def __init__(self, url, threads=4, max_requests=5000, tag="load"):
        self.url, self.threads, self.max_requests, self.tag = url, threads, max_requests, tag
        self.headers = bearer(sign_in("andrewbrown", url=url))
        self.parent = requests.get(f"{url}/api/activities/home", timeout=10).json()[0]["uuid"]
        self.results, self.stopping = [], threading.Event()
        self.lock = threading.Lock()
        self.workers = [threading.Thread(target=self._run, args=(i,)) for i in range(threads)]

    def _run(self, index):
        with requests.Session() as session:
            n = index
            while not self.stopping.is_set() and n < self.max_requests:
                result = one_request(session, self.url, self.KINDS[n % len(self.KINDS)], n, self.headers,
                                     self.parent, self.tag)
                with self.lock:
                    self.results.append(result)
                n += self.threads

    def start(self):
        for worker in self.workers:
            worker.start()
        return self

    def stop(self):
        self.stopping.set()
        for worker in self.workers:
            worker.join(60)
        return self.results

    def failures(self):
        return [r for r in self.results if r["status"] != EXPECTED[r["kind"]]]
