"""Receivers for the compose-up test: each role records what arrives, byte for byte, as files
under /captured/<role>/ (a directory the test mounts), and answers like the real service.

  honeycomb  Honeycomb's OTLP/HTTP endpoint on 4318 (POST /v1/traces); each body's request
             headers are kept beside it (<name>.headers.json)
  xray       the X-Ray daemon, which cannot be built here: UDP datagrams on 2000 (and TCP 2000 for
             the daemon image's healthcheck), each segment uploaded as the daemon does, with
             PutTraceSegments to the `Endpoint` of the daemon's config file (the local AWS)
  jaeger     the UI port 16686, for its healthcheck
"""
import itertools
import json
import os
import queue
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROLE = sys.argv[1]
OUT = Path("/captured") / ROLE
COUNTER = itertools.count()


def record(data, headers=None):
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{time.time_ns()}-{next(COUNTER)}.bin"
    if headers is not None:
        path.with_suffix(".headers.json").write_text(json.dumps(headers))
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
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        record(body, {name.lower(): value for name, value in self.headers.items()} if ROLE == "honeycomb" else None)
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


def serve_udp(port, forward=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", port))

    def loop():
        while True:
            datagram = sock.recv(65535)
            record(datagram)
            if forward:
                forward(datagram)

    threading.Thread(target=loop, daemon=True).start()


def xray_uploader(config="/etc/cruddur-xray/daemon.yaml"):
    """What the daemon does with a datagram: strip its header line and upload the segment with
    PutTraceSegments, in batches, to the config file's `Endpoint`."""
    import boto3  # the receivers image's moto environment has it

    match = re.search(r'^Endpoint:\s*"?([^"\s]+)"?', Path(config).read_text(), re.MULTILINE)
    client = boto3.client("xray", endpoint_url=match.group(1) if match else None,
                          region_name=os.environ.get("AWS_REGION", "us-east-1"))
    pending = queue.Queue()

    def upload():
        while True:
            batch = [pending.get()]
            while not pending.empty() and len(batch) < 50:
                batch.append(pending.get())
            try:
                client.put_trace_segments(TraceSegmentDocuments=batch)
            except Exception as error:  # the daemon logs and goes on
                print(f"xray upload failed: {error!r}", flush=True)

    threading.Thread(target=upload, daemon=True).start()
    return lambda datagram: pending.put(datagram.split(b"\n", 1)[-1].decode())


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


if ROLE == "honeycomb":
    serve_http(4318)
elif ROLE == "xray":
    serve_udp(2000, forward=xray_uploader())
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
