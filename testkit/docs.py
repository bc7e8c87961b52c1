"""The generated blocks in docs/: figures and tables that would go stale by hand, each made from its
source of truth and kept between two markers:

    <!-- BEGIN generated: NAME (bin/docs) -->
    ...
    <!-- END generated -->

- `configuration` (docs/configuration.md): the variables table, from `cruddur.config.ENV_VARS`;
- `benchmark` (docs/benchmark.md): the latest `bin/bench` figures, from the newest bench/results/*.json.

`bin/docs` rewrites every block; `bin/docs --check` exits 1 and names each block that differs from what
it would write (tests/docs runs the check)."""
import argparse
import dataclasses
import json
import re
import sys

from .paths import ROOT

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


BLOCKS = {
    "configuration": (DOCS / "configuration.md", configuration_table),
    "benchmark": (DOCS / "benchmark.md", benchmark_figures),
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


def _shown(path):
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def write_blocks(blocks=None):
    for name, (path, make) in (blocks or BLOCKS).items():
        text = path.read_text()
        new = replace_block(text, name, make())
        if new != text:
            path.write_text(new)
            print(f"rewrote the '{name}' block in {_shown(path)}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Rewrite (or --check) the generated blocks in docs/.")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if any block is stale")
    args = parser.parse_args(argv)
    if not args.check:
        write_blocks()
        return 0
    stale = stale_blocks()
    for name, path in stale:
        print(f"{_shown(path)}: the '{name}' block is stale; run bin/docs", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
