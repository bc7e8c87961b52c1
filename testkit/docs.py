"""The generated blocks in docs/: figures and tables that would go stale by hand, each made from its
source of truth and kept between two markers:

    <!-- BEGIN generated: NAME (bin/docs) -->
    ...
    <!-- END generated -->

- `configuration` (docs/configuration.md): the variables table, from `cruddur.config.ENV_VARS`;
- `benchmark` (docs/benchmark.md): the latest `bin/bench` figures, from the newest bench/results/*.json.

And generated files, written whole:
- `api rules` (frontend-react-js/src/api/rules.generated.json): the limits and choices of the request
  bodies the UI's forms send, from the API's OpenAPI document (`cruddur.openapi.document`). It lives in
  the frontend's folder because the UI's image is built from that folder alone.

`bin/docs` rewrites every block and file; `bin/docs --check` exits 1 and names each one that differs from
what it would write (tests/docs runs the check)."""
import argparse
import dataclasses
import json
import logging
import re
import sys

from .paths import FRONTEND, ROOT

DOCS = ROOT / "docs"
RESULTS = ROOT / "bench" / "results"
END = "<!-- END generated -->"
ENV_COLUMNS = ("variable", "default", "meaning")


def begin(name):
    return f"<!-- BEGIN generated: {name} (bin/docs) -->"


def _columns(entry):
    """One ENV_VARS entry as {column: value}: a (name, default, meaning, ...) tuple, a namedtuple,
    a dataclass or a mapping, so that a new column shows up without a change here."""
    if hasattr(entry, "_asdict"):
        return dict(entry._asdict())
    if dataclasses.is_dataclass(entry):
        return dataclasses.asdict(entry)
    if isinstance(entry, dict):
        return dict(entry)
    return {ENV_COLUMNS[i] if i < len(ENV_COLUMNS) else f"column {i + 1}": value for i, value in enumerate(entry)}


def _cell(value, code=False):
    if value is None or value == "":
        return "–"
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return f"`{text}`" if code else text


def configuration_table(env_vars=None):
    """The Markdown table of every variable the backend reads."""
    if env_vars is None:
        from cruddur.config import ENV_VARS as env_vars
    rows = [_columns(entry) for entry in env_vars]
    headers = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        cells = [_cell(row.get(h), code=(i == 0)) for i, h in enumerate(headers)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def latest_results(results_dir=RESULTS):
    """The newest full `bin/bench` results file (named by its UTC start, e.g. 20261123T071159Z.json)."""
    runs = sorted(p for p in results_dir.glob("*.json") if re.fullmatch(r"\d{8}T\d{6}Z", p.stem))
    return runs[-1] if runs else None


def benchmark_figures(results_path=None):
    """The targets and the home feed per dataset, from the newest committed bench results."""
    from bench.ratios import summarize
    from bench.report import docs_section

    results_path = results_path or latest_results()
    if results_path is None:
        return "No benchmark results are committed yet: run `bin/bench`, then `bin/docs`."
    results = json.loads(results_path.read_text())
    results["summary"] = summarize(results)  # the raw rounds against the current targets
    return docs_section(results, results_path.relative_to(ROOT))


# The bodies the UI's forms send, and the JSON-schema keywords that carry their rules.
RULE_SCHEMAS = ("CreateActivityBody", "ReplyBody", "CreateMessageBody")
RULE_KEYWORDS = ("minLength", "maxLength", "enum")


def api_document():
    """The API's OpenAPI document, from an app on an in-memory database (nothing is served or stored)."""
    from cruddur import create_app, openapi

    logging.disable(logging.INFO)  # the app's start-up line has nothing to say here
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    finally:
        logging.disable(logging.NOTSET)
    return openapi.document(app)


def api_rules(document=None):
    """{schema: {field: {keyword: value}}}: each rule (length, choices) of the form bodies' fields."""
    schemas = (document or api_document())["components"]["schemas"]
    rules = {}
    for name in RULE_SCHEMAS:
        fields = {field: {key: spec[key] for key in RULE_KEYWORDS if key in spec}
                  for field, spec in schemas[name]["properties"].items()}
        rules[name] = {field: found for field, found in fields.items() if found}
    return rules


def api_rules_json(document=None):
    note = "Written by bin/docs from the API's OpenAPI document (testkit/docs.py); do not edit."
    return json.dumps({"$comment": note, **api_rules(document)}, indent=2) + "\n"


BLOCKS = {
    "configuration": (DOCS / "configuration.md", configuration_table),
    "benchmark": (DOCS / "benchmark.md", benchmark_figures),
}
FILES = {
    "api rules": (FRONTEND / "src" / "api" / "rules.generated.json", api_rules_json),
}


def replace_block(text, name, body):
    """`text` with the block `name` holding `body`; ValueError when its markers are missing."""
    start = text.find(begin(name))
    end = text.find(END, start)
    if start < 0 or end < 0:
        raise ValueError(f"no '{begin(name)}' ... '{END}' markers")
    return text[:start] + begin(name) + "\n" + body.strip("\n") + "\n" + text[end:]


def stale_blocks(blocks=None):
    """[(name, path)] of each block whose committed text differs from what would be written."""
    stale = []
    for name, (path, make) in (blocks or BLOCKS).items():
        text = path.read_text()
        if replace_block(text, name, make()) != text:
            stale.append((name, path))
    return stale


def stale_files(files=None):
    """[(name, path)] of each generated file that is missing or differs from what would be written."""
    return [(name, path) for name, (path, make) in (files or FILES).items()
            if not path.exists() or path.read_text() != make()]


def _shown(path):
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def write_blocks(blocks=None):
    for name, (path, make) in (blocks or BLOCKS).items():
        text = path.read_text()
        new = replace_block(text, name, make())
        if new != text:
            path.write_text(new)
            print(f"rewrote the '{name}' block in {_shown(path)}")


def write_files(files=None):
    for name, (path, make) in (files or FILES).items():
        new = make()
        if not path.exists() or path.read_text() != new:
            path.write_text(new)
            print(f"rewrote {_shown(path)} ('{name}')")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Rewrite (or --check) the generated blocks in docs/ and files.")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if any is stale")
    args = parser.parse_args(argv)
    if not args.check:
        write_blocks()
        write_files()
        return 0
    stale_block_list, stale_file_list = stale_blocks(), stale_files()
    for name, path in stale_block_list:
        print(f"{_shown(path)}: the '{name}' block is stale; run bin/docs", file=sys.stderr)
    for name, path in stale_file_list:
        print(f"{_shown(path)} ('{name}') is stale; run bin/docs", file=sys.stderr)
    return 1 if stale_block_list or stale_file_list else 0


if __name__ == "__main__":
    sys.exit(main())
