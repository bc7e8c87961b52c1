"""One trace from the click to the database: the browser starts it, the backend joins it."""
import uuid

from testkit.receivers import wait_until

from .actions import post_crud


def test_backend_server_span_joins_the_browser_trace(page, sign_in_browser, receivers):
    sign_in_browser("andrewbrown")
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


def test_the_span_of_a_click_that_reloads_the_page_is_still_exported(page, sign_in_browser, receivers):
    """The browser batches its spans for 5 s; a reload inside that delay must not drop the POST's
    span with the page. The web SDK's BatchSpanProcessor sends its batch when the page is hidden
    or unloaded (keepalive fetch), which Cruddur relies on and leaves on."""
    sign_in_browser("andrewbrown")
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/api/activities")) as posted:
        post_crud(page, f"Reloaded at once {uuid.uuid4().hex[:8]}")
    # The fetch instrumentation ends a request's span once the browser has its resource timing
    # (at most 300 ms after the response); the reload comes well inside the 5 s batch delay.
    page.wait_for_timeout(1000)
    page.reload()
    trace_id = posted.value.all_headers()["traceparent"].split("-")[1]
    assert wait_until(lambda: receivers["browser"].trace(trace_id), timeout=20), \
        "the POST's browser span was dropped with the page"
