"""Telemetry backends that fail: a closed port (refused), a port that accepts and never answers
(blackholed), and an HTTP server that answers every call with an error (failing)."""
import json
import socket
import threading

from .net import free_port
from .receivers import HTTPPeer


class TCPBlackhole:
    """Accepts connections and reads nothing back: clients hang until their own timeout."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held = []
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
                self.held.append(conn)
            except TimeoutError:
                continue
            except OSError:
                return

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.running = False
        self.thread.join(2)
        for conn in self.held:
            conn.close()
        self.sock.close()


class UDPBlackhole:
    """A bound UDP port nobody reads: its receive buffer fills and stays full."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"

    def start(self):
        return self

    def stop(self):
        self.sock.close()


class FailingHTTP(HTTPPeer):
    """Answers every request with an error: 503 for OTLP and Rollbar, a throttling error for AWS."""

    def handle(self, path, headers, body):
        if "X-Amz-Target" in headers:
            reply = {"__type": "ThrottlingException", "message": "Rate exceeded"}
            return 400, "application/x-amz-json-1.1", json.dumps(reply).encode()
        return 503, "application/json", b'{"err": 1, "message": "unavailable"}'


def outage_env(mode, started):
    """Environment pointing all four signals at backends failing in `mode`; `started` collects
    what was started so the caller can stop it."""
    if mode == "refused":
        http_url, udp_address = f"http://127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    elif mode == "blackholed":
        tcp, udp = TCPBlackhole().start(), UDPBlackhole().start()
        started += [tcp, udp]
        http_url, udp_address = tcp.url, udp.address
    else:
        failing, udp = FailingHTTP().start(), UDPBlackhole().start()
        started += [failing, udp]
        http_url, udp_address = failing.url, udp.address
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": http_url,
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "AWS_XRAY_SDK_ENABLED": "true",
        "AWS_XRAY_DAEMON_ADDRESS": udp_address,
        "AWS_ENDPOINT_URL": http_url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "CLOUDWATCH_LOG_GROUP": "cruddur",
        "ROLLBAR_ACCESS_TOKEN": "outage-test-token",
        "ROLLBAR_ENDPOINT": http_url + "/api/1/",
    }
