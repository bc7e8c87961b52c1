"""Local stand-ins for the telemetry backends, each a real peer on 127.0.0.1 reading the wire:
an OTLP/HTTP protobuf collector, an X-Ray daemon's UDP socket, Rollbar's item API, and
CloudWatch Logs on a moto server."""
import gzip
import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import requests
from moto.server import ThreadedMotoServer
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from .net import free_port

KINDS = {v: k.replace("SPAN_KIND_", "") for k, v in Span.SpanKind.items()}


def xray_id(trace_id):
    """The X-Ray form (`1-<8 hex>-<24 hex>`) of a 32-hex OTEL trace id."""
    return f"1-{trace_id[:8]}-{trace_id[8:]}"


def wait_until(check, timeout=20.0, interval=0.1):
    """Poll `check()` until it returns something truthy, or give up and return the last value."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def _attr_value(value):
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_attr_value(v) for v in value.array_value.values]
    return getattr(value, kind) if kind else None


class HTTPPeer:
    """A threaded HTTP server on loopback. Subclasses answer POSTs in `handle(path, headers, body)`
    with (status, content type, reply body); `cors = True` adds the headers a browser needs."""

    cors = False

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def _cors(self):
                if peer.cors:
                    self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin") or "*")
                    self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
                    self.send_header("Access-Control-Allow-Headers", "content-type")
                    self.send_header("Access-Control-Max-Age", "600")

            def do_OPTIONS(self):
                self.send_response(204 if peer.cors else 405)
                self._cors()
                self.end_headers()

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                status, content_type, reply = peer.handle(self.path, dict(self.headers), body)
                self.send_response(status)
                self._cors()
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def record(self, entry):
        with self.lock:
            self.requests.append(entry)


def otlp_spans(requests):
    """Every span in these ExportTraceServiceRequests (messages or raw protobuf bodies), flattened."""
    spans = []
    for request in requests:
        if isinstance(request, bytes):
            body, request = request, ExportTraceServiceRequest()
            request.ParseFromString(body)
        for resource_spans in request.resource_spans:
            resource = {a.key: _attr_value(a.value) for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    spans.append({
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex() or None,
                        "name": span.name,
                        "kind": KINDS[span.kind],
                        "attributes": {a.key: _attr_value(a.value) for a in span.attributes},
                        "status": span.status.code,
                        "scope": scope_spans.scope.name,
                        "resource": resource,
                    })
    return spans


def xray_documents(datagrams):
    """The segment documents in X-Ray daemon datagrams: `{"format":"json","version":1}\n{doc}`."""
    docs = []
    for data in datagrams:
        header, _, body = data.decode().partition("\n")
        assert json.loads(header) == XRayReceiver.HEADER, header
        docs.append(json.loads(body))
    return docs


class OTLPReceiver(HTTPPeer):
    """Decodes ExportTraceServiceRequest protobuf posted to /v1/traces, answering like a collector."""

    def handle(self, path, headers, body):
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        self.record({"path": path, "headers": headers, "raw": body, "request": request})
        return 200, "application/x-protobuf", ExportTraceServiceResponse().SerializeToString()

    def spans(self):
        with self.lock:
            entries = list(self.requests)
        return otlp_spans(entry["request"] for entry in entries)

    def trace(self, trace_id):
        return [s for s in self.spans() if s["trace_id"] == trace_id]


class RollbarReceiver(HTTPPeer):
    """Records items POSTed to /api/1/item/ and answers as Rollbar's API does."""

    def handle(self, path, headers, body):
        self.record({"path": path, "headers": headers, "raw": body, "item": json.loads(body)})
        return 200, "application/json", json.dumps({"err": 0, "result": {"uuid": uuid.uuid4().hex}}).encode()

    def items(self):
        with self.lock:
            return [r["item"] for r in self.requests if r["path"].endswith("/item/")]


class XRayReceiver:
    """A UDP socket where the X-Ray daemon would listen; parses `{"format":"json","version":1}\\n{doc}`."""

    HEADER: ClassVar[dict] = {"format": "json", "version": 1}

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.datagrams = []
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def _loop(self):
        while self.running:
            try:
                data, _ = self.sock.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            with self.lock:
                self.datagrams.append(data)

    def stop(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()

    def documents(self):
        with self.lock:
            datagrams = list(self.datagrams)
        return xray_documents(datagrams)

    def segments(self, trace_id=None):
        return [d for d in self.documents()
                if d.get("type") != "subsegment" and (trace_id is None or d.get("trace_id") == trace_id)]


class MotoServer:
    """moto's real HTTP endpoint (CloudWatch Logs, X-Ray, ECS, IAM, ...), as AWS_ENDPOINT_URL."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    def start(self):
        self.server.start()
        return self

    def wrap_app(self, wrapper):
        """Put `wrapper(app)` in front of moto's WSGI app; returns the wrapper. ThreadedMotoServer builds
        its app internally (checked against moto 5.2.5); werkzeug looks it up on each request."""
        wrapped = wrapper(self.server._server.app)
        self.server._server.app = wrapped
        return wrapped

    def reset(self):
        """Forget every resource, through moto's own reset API."""
        requests.post(self.url + "/moto-api/reset", timeout=10).raise_for_status()

    def stop(self):
        self.server.stop()

    def client(self, service):
        import boto3

        return boto3.client(service, endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def log_events(self, group):
        logs = self.client("logs")
        try:
            pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group)
            return [event for page in pages for event in page["events"]]
        except logs.exceptions.ResourceNotFoundException:
            return []
