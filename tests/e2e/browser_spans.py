"""A stand-in for the collector's browser-facing OTLP/HTTP endpoint: answers CORS
preflights and records the JSON export requests the web SDK sends to /v1/traces."""
import json

from testkit.receivers import HTTPPeer


class BrowserSpanReceiver(HTTPPeer):
    cors = True

    def handle(self, path, headers, body):
        if path == "/v1/traces":
            self.record(json.loads(body))
        return 200, "application/json", b"{}"

    def spans(self):
        with self.lock:
            bodies = list(self.requests)
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
