"""schemathesis against the OpenAPI document served by a real gunicorn: positive and negative cases
for every operation, signed in where the route needs it. No 5xx, and every response (status,
content type, headers, body) is one the document declares.

FUZZ_EXAMPLES sets the examples per operation and mode (default 60: about 1,500 cases per database)."""
import contextlib
import itertools
import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from testkit.auth import sign_in
from testkit.gunicorn import backend_env

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
MINIMUM_CASES = 1000
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, new_database_url, start_server):
    return start_server(backend_env(new_database_url(request.param)))


def _has_inputs(operation):
    return bool(operation.body or operation.path_parameters or operation.query)


class Fuzz:
    """Runs generated cases against the server, counting them and collecting every failure."""

    def __init__(self, server):
        self.url = server.url
        self.session = requests.Session()
        self.token = sign_in("andrewbrown", url=self.url)
        self.turn = itertools.count()
        self.cases = 0
        self.statuses = {}
        self.failures = []

    def headers(self, operation):
        if self.requires_token(operation) or (self.accepts_token(operation) and next(self.turn) % 2):
            return {"Authorization": f"Bearer {self.token}"}
        return {}

    @staticmethod
    def requires_token(operation):
        return operation.definition.raw.get("security") == [{"bearerAuth": []}]

    @staticmethod
    def accepts_token(operation):
        return operation.definition.raw.get("security") is not None

    def send(self, case, mode):
        headers = self.headers(case.operation)
        self.cases += 1
        try:
            response = case.call(base_url=self.url, session=self.session, headers=headers, timeout=15)
        except requests.RequestException as exc:
            self.failures.append(f"{case.operation.label}: {type(exc).__name__}: {exc}")
            return
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        # A negative case for a route that requires sign-in may be negative only for the missing
        # token, which the harness then supplies: the request it sends is no longer the invalid one
        # generated, so only the checks that hold for every request apply to it.
        negative = mode is GenerationMode.NEGATIVE and not self.requires_token(case.operation)
        checks = NEGATIVE_CHECKS if negative else CHECKS
        try:
            case.validate_response(response, checks=checks, headers=headers,
                                   transport_kwargs={"base_url": self.url, "headers": headers})
        except FailureGroup as group:
            self.failures.append(f"{case.operation.label} [{mode.value}]: {group}")

    def run(self, operation, mode):
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def fuzz(case):
            self.send(case, mode)

        with contextlib.suppress(Unsatisfiable):  # e.g. a lone string path parameter has no invalid value to send
            fuzz()


def test_fuzz_the_served_openapi(server):
    schema = schemathesis.openapi.from_url(f"{server.url}/api/openapi.json")
    fuzz = Fuzz(server)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15  # all but the document itself
    for operation in operations:
        fuzz.run(operation, GenerationMode.POSITIVE)
        if _has_inputs(operation):
            fuzz.run(operation, GenerationMode.NEGATIVE)
    print(f"schemathesis: {fuzz.cases} cases, statuses {sorted(fuzz.statuses.items())}, "
          f"{len(fuzz.failures)} failures")
    assert fuzz.failures == [], "\n\n".join(fuzz.failures[:10])
    assert not any(status >= 500 for status in fuzz.statuses)
    assert fuzz.cases >= min(MINIMUM_CASES, EXAMPLES * len(operations))


def test_the_checks_catch_an_undeclared_field(server):
    """The harness is not vacuous: with `bio` struck from the document, a real profile fails it."""
    document = requests.get(f"{server.url}/api/openapi.json", timeout=10).json()
    profile = document["components"]["schemas"]["Profile"]
    del profile["properties"]["bio"]
    profile["required"].remove("bio")
    schema = schemathesis.openapi.from_dict(document)
    operation = schema["/api/activities/@{handle}"]["GET"]
    case = operation.Case(path_parameters={"handle": "andrewbrown"})
    response = case.call(base_url=server.url, timeout=10)
    assert response.status_code == 200
    with pytest.raises(FailureGroup, match="bio"):
        case.validate_response(response, checks=CHECKS)
