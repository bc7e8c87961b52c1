"""Receivers for the compose-up test: each role records what arrives, byte for byte, as files
under /captured/<role>/ (a directory the test mounts), and answers like the real service.

  collector  OTLP/HTTP on 4318 (POST /v1/traces, CORS for the browser), health on 13133
  xray       UDP datagrams on 2000, and TCP 2000 for the daemon image's healthcheck
  jaeger     the UI port 16686, for its healthcheck
"""
import itertools
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROLE = sys.argv[1]
OUT = Path("/captured") / ROLE
COUNTER = itertools.count()


def record(data):
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{time.time_ns()}-{next(COUNTER)}.bin"
    path.with_suffix(".tmp").write_bytes(data)
    path.with_suffix(".tmp").rename(path)


class Handler(BaseHTTPRequestHandler):
    def _cors(self):
        self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin") or "*")
        self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")

    def do_OPTIONS(self):
        self.send_response(204)
        self._cors()
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        record(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        self.send_response(200)
        self._cors()
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, *args):
        pass


def serve_http(port):
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def serve_udp(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", port))

    def loop():
        while True:
            record(sock.recv(65535))

    threading.Thread(target=loop, daemon=True).start()


def serve_tcp_accept(port):
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("0.0.0.0", port))
    sock.listen(16)

    def loop():
        while True:
            conn, _ = sock.accept()
            conn.close()

    threading.Thread(target=loop, daemon=True).start()


if ROLE == "collector":
    serve_http(4318)
    serve_http(13133)
elif ROLE == "xray":
    serve_udp(2000)
    serve_tcp_accept(2000)
elif ROLE == "jaeger":
    serve_http(16686)
else:
    sys.exit(f"unknown role {ROLE!r}")
print(f"{ROLE} receiver ready", flush=True)
stop = threading.Event()
for signum in (15, 2):
    __import__("signal").signal(signum, lambda *_: stop.set())
stop.wait()
