"""The telemetry backends the benchmark's servers talk to, run in their own process.

Receivers (for "full", "sampled" and "course") answer like the real services but only count what
arrives, so a long run keeps no payloads: an OTLP/HTTP collector, an X-Ray daemon's UDP socket,
Rollbar's item API, and CloudWatch Logs on moto. Blackholes (for "down") are a TCP port that
accepts connections and never answers, and a UDP port that nobody reads.

Protocol: prints one JSON line of addresses, then answers every line on stdin with a JSON line of
counts; exits when stdin closes."""
import json
import logging
import selectors
import socket
import sys
import threading

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from testkit.receivers import MotoServer, OTLPReceiver, RollbarReceiver, XRayReceiver

OTLP_REPLY = ExportTraceServiceResponse().SerializeToString()


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}

    def add(self, name, amount=1):
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + amount

    def snapshot(self):
        with self.lock:
            return dict(self.counts)


COUNTS = Counter()


class CountingOTLP(OTLPReceiver):
    def handle(self, path, headers, body):
        COUNTS.add("otlp_requests")
        COUNTS.add("otlp_bytes", len(body))
        return 200, "application/x-protobuf", OTLP_REPLY


class CountingRollbar(RollbarReceiver):
    def record(self, entry):
        COUNTS.add("rollbar_items")


class CountingXRay(XRayReceiver):
    def _loop(self):
        while self.running:
            try:
                self.sock.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            COUNTS.add("xray_datagrams")


class Blackhole:
    """Accepts TCP connections and reads what they send, but never answers."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=512)
        self.listener.setblocking(False)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ)
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            for key, _ in self.selector.select():
                if key.fileobj is self.listener:
                    conn, _ = self.listener.accept()
                    conn.setblocking(False)
                    self.selector.register(conn, selectors.EVENT_READ)
                    COUNTS.add("blackhole_connections")
                    continue
                try:
                    data = key.fileobj.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    self.selector.unregister(key.fileobj)
                    key.fileobj.close()


def main():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request lines
    otlp, rollbar, xray, moto = CountingOTLP().start(), CountingRollbar().start(), CountingXRay().start(), \
        MotoServer().start()
    blackhole = Blackhole()
    unread_udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # bound, never read: datagrams pile up and drop
    unread_udp.bind(("127.0.0.1", 0))
    print(json.dumps({
        "otlp": otlp.url, "xray": xray.address, "rollbar": rollbar.url, "moto": moto.url,
        "blackhole": blackhole.url, "blackhole_udp": f"127.0.0.1:{unread_udp.getsockname()[1]}",
    }), flush=True)
    for _ in sys.stdin:
        print(json.dumps(COUNTS.snapshot()), flush=True)
    for receiver in (otlp, rollbar, xray, moto):
        receiver.stop()


if __name__ == "__main__":
    main()
