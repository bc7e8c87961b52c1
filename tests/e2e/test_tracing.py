"""One trace from the click to the database: the browser starts it, the backend joins it."""
import uuid

from testkit.receivers import wait_until

from .actions import post_crud


def test_backend_server_span_joins_the_browser_trace(page, sign_in, receivers):
    sign_in("andrewbrown")
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/api/activities")) as posted:
        post_crud(page, f"Traced crud {uuid.uuid4().hex[:8]}")
    traceparent = posted.value.all_headers()["traceparent"]
    version, trace_id, browser_span_id, flags = traceparent.split("-")
    assert (version, flags) == ("00", "01")

    server_spans = wait_until(lambda: [s for s in receivers["backend"].trace(trace_id) if s["kind"] == "SERVER"])
    assert len(server_spans) == 1, receivers["backend"].spans()[-5:]
    assert server_spans[0]["parent_span_id"] == browser_span_id
    assert server_spans[0]["resource"]["service.name"] == "backend-flask"

    # The browser exports its own fetch span, the server span's parent, to the collector URL.
    browser_spans = wait_until(lambda: receivers["browser"].trace(trace_id))
    assert [s["span_id"] for s in browser_spans] == [browser_span_id]
    assert browser_spans[0]["resource"]["service.name"] == "frontend-react-js"
