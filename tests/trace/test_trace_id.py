"""bin/trace's trace-id argument: 32 hex or the X-Ray form, normalised to 32 lowercase hex; anything else
is a usage error (exit 2, one line on stderr, no traceback). No backend is contacted here."""
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .cli import bin_trace, run

HEX32 = re.compile(r"[0-9a-f]{32}")
# Where nothing listens: a parse that wrongly succeeded would show as exit 1, not 2.
NOWHERE = {"CRUDDUR_JAEGER_URL": "http://127.0.0.1:9", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}


def _parses(text):
    try:
        return bin_trace.parse_trace_id(text)
    except bin_trace.UsageError as exc:
        assert str(exc), "a usage error always says what is wrong"
        return None


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.from_regex(r"\A\s*(Root=)?1-[0-9a-fA-F]{8}-[0-9a-fA-F]{20,28}\s*\Z"),
                 st.from_regex(r"\A[0-9a-fA-FxX-]{30,34}\Z")))
def test_any_string_parses_to_32_lowercase_hex_or_is_a_usage_error(text):
    parsed = _parses(text)
    if parsed is not None:
        assert HEX32.fullmatch(parsed)
        assert parsed == re.sub(r"[^0-9a-f]", "", text.strip().removeprefix("Root=").lower().removeprefix("1-"))


@settings(max_examples=60, deadline=None)
@given(st.text().filter(lambda t: _parses(t) is None and t != "last"))
def test_malformed_ids_exit_2_with_a_message(text):
    result = run("--", text, env=NOWHERE)
    assert result.code == 2
    assert result.err.strip() and "Traceback" not in result.err
    assert result.out == ""


@given(st.from_regex(r"\A[0-9a-f]{32}\Z").filter(lambda t: t != "0" * 32), st.booleans())
def test_both_forms_of_one_id_are_the_same_id(trace_id, upper):
    xray = f"1-{trace_id[:8]}-{trace_id[8:]}"
    for form in (trace_id, xray, f"Root={xray}", f"  {trace_id}\n"):
        assert bin_trace.parse_trace_id(form.upper() if upper and "Root" not in form else form) == trace_id


@pytest.mark.parametrize("text", [
    "", "last-ish", "0" * 32, "1-" + "0" * 32, "g" * 32, "a" * 31, "a" * 33, "1-abcdef12-" + "a" * 23,
    "2-abcdef12-" + "a" * 24, "1-abcdef1-2" + "a" * 24, "00-" + "a" * 32 + "-" + "b" * 16 + "-01", "١" * 32,
])
def test_examples_of_malformed_ids(text):
    result = run("--", text, env=NOWHERE)
    assert result.code == 2, result
    assert "not a trace id" in result.err


def test_bad_options_are_usage_errors():
    for argv in (["--since", "forever", "a" * 32], ["--since", "0h", "a" * 32], ["--max-pages", "0", "a" * 32],
                 ["--no-such-option", "a" * 32], []):
        result = run(*argv, env=NOWHERE)
        assert result.code == 2, (argv, result)
        assert result.err.strip() and "Traceback" not in result.err
