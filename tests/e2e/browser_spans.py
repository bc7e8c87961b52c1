"""A stand-in for the collector's browser-facing OTLP/HTTP endpoint: answers CORS
preflights and records the JSON export requests the web SDK sends to /v1/traces."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class BrowserSpanReceiver:
    def __init__(self):
        self.bodies = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _cors(self):
                self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin") or "*")
                self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
                self.send_header("Access-Control-Allow-Headers", "content-type")
                self.send_header("Access-Control-Max-Age", "600")

            def do_OPTIONS(self):
                self.send_response(204)
                self._cors()
                self.end_headers()

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/v1/traces":
                    with receiver.lock:
                        receiver.bodies.append(json.loads(body))
                self.send_response(200)
                self._cors()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

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

    def spans(self):
        with self.lock:
            bodies = list(self.bodies)
        spans = []
        for body in bodies:
            for resource_spans in body.get("resourceSpans", []):
                resource = {a["key"]: next(iter(a["value"].values()), None)
                            for a in resource_spans.get("resource", {}).get("attributes", [])}
                for scope_spans in resource_spans.get("scopeSpans", []):
                    for span in scope_spans.get("spans", []):
                        spans.append({"trace_id": span["traceId"], "span_id": span["spanId"], "name": span["name"],
                                      "kind": span.get("kind"), "resource": resource})
        return spans

    def trace(self, trace_id):
        return [s for s in self.spans() if s["trace_id"] == trace_id]
