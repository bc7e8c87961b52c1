"""Clients for the topology tests: a session bound to a chosen loopback source address, a
header-dribbling slow client, a bounded mixed read/write load that records every outcome, and a
flood of slow connections from one address."""
import contextlib
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


class ClientPool:
    """`size` clients, each from its own loopback address (`prefix` + 1…size), taking turns:
    many readers, as the edge sees them, rather than one client it would pace to 20 requests a
    second."""

    def __init__(self, prefix, size=16):
        self.sessions = [session_from(f"{prefix}{i + 1}") for i in range(size)]
        self.turn = 0

    def get(self, url, **kwargs):
        self.turn += 1
        return self.sessions[self.turn % len(self.sessions)].get(url, **kwargs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for session in self.sessions:
            session.close()


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
    """Reads and writes from `threads` threads until stopped (and at most `max_requests`). Each
    thread is its own client, from its own loopback address (127.0.2.x): the edge limits the
    request rate of each address, and this is the load of several clients, not a flood from one."""

    KINDS = ("home", "post", "search", "reply")

    def __init__(self, url, threads=4, max_requests=5000, tag="load"):
        self.url, self.threads, self.max_requests, self.tag = url, threads, max_requests, tag
        self.headers = bearer(sign_in("andrewbrown", url=url))
        self.parent = requests.get(f"{url}/api/activities/home", timeout=10).json()[0]["uuid"]
        self.results, self.stopping = [], threading.Event()
        self.lock = threading.Lock()
        self.workers = [threading.Thread(target=self._run, args=(i,)) for i in range(threads)]

    def _run(self, index):
        with session_from(f"127.0.2.{index + 1}") as session:
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


class SlowFlood:
    """One client address holding `connections` connections to the edge at once, each sending
    `request` and then one more byte every `interval` seconds (of its body, or of its headers
    when `request` stops inside them); from one thread with non-blocking sockets, opened in
    waves of 50 so that nginx reads each wave before the next arrives. A connection that ends is
    opened again, up to `reopen` times in all, so the flood keeps its size. `run(seconds)` is
    bounded in time and in connections, and records what happened: the answers (status line,
    headers, body), the connections nginx closed without an answer, and those still open."""

    def __init__(self, port, source, connections, request, interval=3.0, reopen=0, wave=50):
        self.port, self.source, self.connections, self.wave = port, source, connections, wave
        self.request, self.interval, self.reopen = request, interval, reopen
        self.answers, self.closed, self.open_at_end, self.refused, self.reopened = [], 0, 0, 0, 0
        self._pending, self._replies, self._selector = {}, {}, None

    def _open(self):
        import selectors

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((self.source, 0))
            sock.setblocking(False)
            sock.connect_ex(("127.0.0.1", self.port))
        except OSError:
            sock.close()
            self.refused += 1
            return
        self._pending[sock] = self.request
        self._replies[sock] = b""
        self._selector.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)

    def _pump(self, timeout):
        import selectors

        for key, events in self._selector.select(timeout=timeout):
            sock = key.fileobj
            if events & selectors.EVENT_WRITE:
                try:
                    sent = sock.send(self._pending[sock])
                    self._pending[sock] = self._pending[sock][sent:]
                except OSError:
                    self._pending[sock] = b""
                if not self._pending[sock]:
                    self._selector.modify(sock, selectors.EVENT_READ)
            if events & selectors.EVENT_READ:
                try:
                    data = sock.recv(65536)
                except OSError:
                    data = b""
                if data:
                    self._replies[sock] += data
                    continue
                reply = self._replies.pop(sock)
                self._selector.unregister(sock)
                sock.close()
                if reply:
                    self._record(reply)
                else:  # closed by nginx without an answer
                    self.closed += 1
                if self.reopened < self.reopen:
                    self.reopened += 1
                    self._open()

    def run(self, seconds):
        import selectors

        self._selector = selectors.DefaultSelector()
        deadline = time.monotonic() + seconds
        try:
            for n in range(self.connections):
                self._open()
                if n % self.wave == self.wave - 1:
                    self._pump(0.002 * self.wave)
            next_byte = time.monotonic() + self.interval
            while time.monotonic() < deadline and self._replies:
                self._pump(0.2)
                if time.monotonic() >= next_byte:  # one more byte on every open connection
                    next_byte += self.interval
                    for sock in list(self._replies):
                        with contextlib.suppress(OSError):
                            sock.send(b"x")
        finally:
            for sock, reply in list(self._replies.items()):
                self._selector.unregister(sock)
                sock.close()
                if reply:
                    self._record(reply)
                else:  # never answered: nginx is still reading it
                    self.open_at_end += 1
            self._selector.close()
        return self

    def _record(self, reply):
        head, _, body = reply.decode("latin-1").partition("\r\n\r\n")
        self.answers.append((head.split("\r\n", 1)[0], head, body))
