"""Loopback ports and waiting for a server to answer."""
import socket
import time

import requests


def free_port(kind=socket.SOCK_STREAM):
    """A loopback port that is free now, for TCP or (kind=socket.SOCK_DGRAM) UDP."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url, timeout=30.0, process=None):
    """Poll `url` until it answers (any status); fail early if `process` exits."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            return requests.get(url, timeout=2)
        except requests.RequestException as exc:
            last_error = exc
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s: {last_error}")
