"""Under gunicorn, on both databases, with OTEL on (every request sampled), with OTEL on and nothing
sampled (the edge's unrecorded span), and with telemetry off: an error answer's `trace_id` is the
trace id of the request's access line (read from the server's own stdout) and of its
`traceresponse` header, and a caller's `traceparent` trace id is the one in the body."""
import itertools
import json

import pytest
import requests
from sqlalchemy.engine import make_url

from testkit.errors import assert_errors
from testkit.gunicorn import backend_env
from testkit.receivers import wait_until
from testkit.signals import signals_env

MODES = {
    "otel": {},
    "otel-unsampled": {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"},
    "off": None,
}
LOGINS = (f"nobody{i}" for i in itertools.count())


@pytest.fixture(scope="module", params=list(MODES))
def served(request, database_url, new_database_url, receivers, start_server):
    fresh = new_database_url(make_url(database_url).get_backend_name())
    settings = {"CRUDDUR_FAULTS": "home_activities:error", "CRUDDUR_SIGNIN_LIMIT_PER_ACCOUNT": "1/minute"}
    mode = MODES[request.param]
    env = backend_env(fresh, **settings) if mode is None else signals_env(fresh, receivers, **settings, **mode)
    server = start_server(env, workers=1)
    server.mode = request.param
    return server


def _too_many(url, headers):
    body = {"login": next(LOGINS), "password": "wrong"}
    assert requests.post(f"{url}/api/auth/signin", json=body, timeout=10).status_code == 401
    return requests.post(f"{url}/api/auth/signin", json=body, headers=headers, timeout=10)


KINDS = {
    "400": (400, ["body_invalid_json"], lambda url, h: requests.post(
        f"{url}/api/auth/signin", data="{", headers={"Content-Type": "application/json", **h}, timeout=10)),
    "401": (401, ["authentication_required"], lambda url, h: requests.get(f"{url}/api/message_groups", headers=h,
                                                                          timeout=10)),
    "404": (404, ["not_found"], lambda url, h: requests.get(f"{url}/api/nowhere", headers=h, timeout=10)),
    "405": (405, ["method_not_allowed"], lambda url, h: requests.post(f"{url}/api/activities/home", headers=h,
                                                                      timeout=10)),
    "413": (413, ["request_entity_too_large"], lambda url, h: requests.post(
        f"{url}/api/auth/signup", json={"handle": "x" * 100_000}, headers=h, timeout=10)),
    "422": (422, ["search_term_blank"], lambda url, h: requests.get(f"{url}/api/activities/search?term=%20",
                                                                    headers=h, timeout=10)),
    "429": (429, ["rate_limited"], _too_many),
    "500": (500, ["internal_error"], lambda url, h: requests.get(f"{url}/api/activities/home", headers=h,
                                                                 timeout=10)),
}


def _access_line(server, trace_id):
    def find():
        lines = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
        return [line for line in lines if line.get("logger") == "cruddur.access" and line.get("trace_id") == trace_id]

    lines = wait_until(find, timeout=10)
    assert len(lines) == 1, (trace_id, lines)
    return lines[0]


@pytest.mark.parametrize("kind", KINDS)
def test_the_body_trace_id_is_the_access_lines_and_the_headers(served, kind):
    status, codes, ask = KINDS[kind]
    trace_id = assert_errors(ask(served.url, {}), status, codes)
    line = _access_line(served, trace_id)
    assert (line["status"], line["xray_trace_id"]) == (status, f"1-{trace_id[:8]}-{trace_id[8:]}")


@pytest.mark.parametrize("kind", ["404", "429", "500"])
@pytest.mark.parametrize("flags", ["00", "01"])
def test_a_callers_traceparent_is_the_body_trace_id(served, kind, flags):
    status, codes, ask = KINDS[kind]
    sent = f"{kind}{flags}".rjust(8, "a") + "b7ad6b7169203331a3ce929d"
    response = ask(served.url, {"traceparent": f"00-{sent}-00f067aa0ba902b7-{flags}"})
    assert assert_errors(response, status, codes, trace_id=sent) == sent
    assert _access_line(served, sent)["status"] == status


def test_an_all_zero_traceparent_gets_a_fresh_id(served):
    """W3C's invalid all-zero trace id is never the request's, with OTEL on or off."""
    response = KINDS["404"][2](served.url, {"traceparent": "00-" + "0" * 32 + "-00f067aa0ba902b7-01"})
    trace_id = assert_errors(response, 404, ["not_found"])
    assert trace_id != "0" * 32 and _access_line(served, trace_id)["status"] == 404
