"""Cruddur's error answers, checked whole: `{"errors": [codes…], "trace_id": "<32 hex>"}`, the codes
exactly, and the trace id the same as the response's `traceresponse` header's.

Works with a Flask test client's response and with a `requests` (or httpx) one."""
import re

TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")


def body_of(response):
    return response.get_json() if hasattr(response, "get_json") else response.json()


def traceresponse_id(response):
    """The trace id in the response's `traceresponse` header, or None without a (well-formed) one."""
    match = TRACEPARENT.match(response.headers.get("traceresponse", ""))
    return match.group(1) if match else None


def error_codes(response):
    """The error codes of an error answer, once its `trace_id` is checked: 32 lowercase hex, not all
    zeros, equal to the `traceresponse` header's trace id; nothing else in the body."""
    body = body_of(response)
    assert isinstance(body, dict) and set(body) == {"errors", "trace_id"}, body
    trace_id = body["trace_id"]
    assert isinstance(trace_id, str) and TRACE_ID.match(trace_id) and trace_id != "0" * 32, body
    assert trace_id == traceresponse_id(response), (trace_id, response.headers.get("traceresponse"))
    return body["errors"]


def assert_errors(response, status, codes, trace_id=None):
    """The answer is `status` with exactly `codes`, and carries its trace id (`trace_id` when given,
    e.g. the caller's `traceparent`); returns that trace id."""
    assert (response.status_code, error_codes(response)) == (status, list(codes)), body_of(response)
    found = body_of(response)["trace_id"]
    if trace_id is not None:
        assert found == trace_id, (found, trace_id)
    return found
