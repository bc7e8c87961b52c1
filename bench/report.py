"""The Markdown report, the ratios text and the docs/benchmark.md block, from a summary (bench/ratios.py)."""
from bench.chart import chart
from bench.configs import FLOORS
from bench.datasets import size_label
from bench.profile import TOP
from bench.profile import summarize as profile_summary
from bench.ratios import TARGETS, floor_cost, floor_sum, ratio, summarize

PATH_TITLES = {"home": "Home feed `/api/activities/home`",
               "home100": "Home feed, largest page `/api/activities/home?limit=100`",
               "user": "User feed `/api/activities/@bench0001`",
               "search": "Search `/api/activities/search?term=cloud`"}
def _fmt(value, digits=2):
    return "–" if value is None else f"{value:.{digits}f}"


def _verdict(row):
    verdict = "" if "met" not in row else ("met" if row["met"] else "**missed**")
    if row.get("timeouts"):
        verdict += f" ({row['timeouts']} requests over 5 s: p50 of the rest)"
    return verdict


def ratios_text(summary):
    lines = ["Target ratios:"]
    for row in summary["ratios"]:
        if row["headline"]:
            _what, op, _ = TARGETS[row["name"]]
            bound = row.get("bound")
            where = f"{row['database']} {size_label(row['size'])}" + (f" {row['path']}" if "path" in row else "")
            target = f"{op} {bound}" if op else "reported"
            lines.append(f"  {row['name']:12s} {where:24s} {_fmt(row['value'])}  ({target}) {_verdict(row)}")
    return "\n".join(lines)


def markdown(results, chart, raw_name):
    meta, summary = results["meta"], results["summary"]
    out = [f"# Cruddur benchmark — {meta['started'][:16].replace('T', ' ')} UTC", "",
           f"Command: `{meta['command']}` (commit `{meta['commit']}`). {meta['cpus']} CPUs, "
           f"{meta['workers']} gunicorn workers per server, wrk `{meta['wrk']}`, {meta['rounds']} interleaved rounds "
           f"of {meta['seconds']} s per configuration; medians. Load average at start "
           f"{meta['load_average_at_start']}, at end {meta.get('load_average_at_end')}. Raw rounds: `{raw_name}`.", ""]
    if "course" in meta["configs"] and not meta.get("course_wiring_in_backend", True):
        out += ["Note: the backend did not read `CRUDDUR_BENCH_COURSE_WIRING` in this run, "
                "so *course* ran as *full*.", ""]
    out += ["## Targets", "", "| ratio | what | dataset | value | target | |", "|---|---|---|---|---|---|"]
    for row in summary["ratios"]:
        if row["headline"]:
            what, op, _ = TARGETS[row["name"]]
            bound = row.get("bound")
            if "path" in row:
                what = f"{row['path']} p50 at {size_label(row['size'])} ÷ at {size_label(row['from_size'])} (full)"
            out.append(f"| {row['name']} | {what} | {row['database']} {size_label(row['size'])} | {_fmt(row['value'])} "
                       f"| {f'{op} {bound}' if op else 'reported'} | {_verdict(row)} |")
    out += ["", "## Ratios per dataset", "", "| dataset | full÷bare req/s | full-otel-xray÷bare req/s "
            "| sampled÷bare req/s | full÷course req/s | p99 down÷full | peak RSS full÷bare | RSS full÷bare "
            "| CPU/req bare÷full | CPU/req bare÷full-otel-xray | CPU/req bare÷sampled |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    per = {}
    for row in summary["ratios"]:
        if row["name"] != "P3":
            per.setdefault((row["database"], row["size"]), {})[row["name"]] = row["value"]
    for (db, size), values in sorted(per.items()):
        out.append(f"| {db} {size_label(size)} | " + " | ".join(
            _fmt(values.get(n))
            for n in ("P1a", "P1a otel-xray", "P1b", "full÷course", "P2", "memory", "rss", "P1a cpu",
                      "P1a cpu otel-xray", "P1b cpu")) + " |")
    out += _floors(summary, meta)
    out += ["", "", f"![throughput and latency per configuration and size]({chart})", ""]
    for path, title in PATH_TITLES.items():
        rows = [r for r in summary["table"] if r["path"] == path]
        if not rows:
            continue
        out += [f"## {title}", "",
                "| database | activities | config | req/s | p50 ms | p99 ms | worker CPU ms/req | errors "
                "| worker MiB peak / now |", "|---|---|---|---|---|---|---|---|---|"]
        for r in sorted(rows, key=lambda r: (r["database"], r["size"], meta["configs"].index(r["config"]))):
            out.append(f"| {r['database']} | {size_label(r['size'])} | {r['config']} | {r['rps']:.1f} | "
                       f"{_fmt(r['p50_ms'])} | {_fmt(r['p99_ms'])} | {_fmt(r.get('cpu_ms_per_request'))} | "
                       f"{r['errors']} | "
                       f"{_fmt(r['peak_rss_mib'], 0)} / "
                       f"{_fmt(r['rss_mib'], 0)} |")
        out.append("")
    out += ["## Datasets", "", "| database | activities | replies | expired | users | loaded | load s | cached |",
            "|---|---|---|---|---|---|---|---|"]
    for d in results["datasets"]:
        out.append(f"| {d['database']} | {d['activities']:,} | {d['replies']:,} | {d['expired']:,} | {d['users']:,} | "
                   f"{d['loaded_at'][:16]} | {d['load_seconds']} | {'yes' if d['cached'] else 'no'} |")
    out += _received(results) + _profiles(results)
    return "\n".join(out) + "\n"


def _floors(summary, meta):
    """Each required library's own cost beside Cruddur's total, in worker CPU ms per home request."""
    cell = {(r["database"], r["size"], r["config"]): r.get("cpu_ms_per_request")
            for r in summary["table"] if r["path"] == "home"}
    datasets = sorted({(d, s) for d, s, c in cell if c in FLOORS})
    if not datasets:
        return []
    cpu = lambda d, s, c: cell.get((d, s, c))  # noqa: E731
    out = ["", "## Floors: each library alone (worker CPU ms per home request)", "",
           "Each floor's own cost in brackets: over bare, and for floor-sqlalchemy over floor-flask.", "",
           "| dataset | bare | " + " | ".join(f"{f} (+own cost)" for f in FLOORS)
           + " | sum of floors | full | full ÷ sum | sampled |", "|---" * (len(FLOORS) + 6) + "|"]
    for db, size in datasets:
        bare = cpu(db, size, "bare")
        floors = [f"{_fmt(cpu(db, size, f))} (+{_fmt(floor_cost(cpu, db, size, f))})"
                  if floor_cost(cpu, db, size, f) is not None else "–" for f in FLOORS]
        total, full = floor_sum(cpu, db, size), cpu(db, size, "full")
        sampled = cpu(db, size, "sampled")
        out.append(f"| {db} {size_label(size)} | {_fmt(bare)} | " + " | ".join(floors)
                   + f" | {_fmt(total)} | {_fmt(full)} | {_fmt(ratio(full, total))} | {_fmt(sampled)} |")
    return out


def _received(results):
    if not results["received"]:
        return []
    out = ["", "## What the backends received (whole run per dataset)", "",
           "| database | activities | config | OTLP requests | OTLP KiB | X-Ray datagrams | Rollbar items "
           "| blackhole connections |",
           "|---|---|---|---|---|---|---|---|"]
    for r in results["received"]:
        out.append(f"| {r['database']} | {size_label(r['size'])} | {r['config']} | {r.get('otlp_requests', 0)} | "
                   f"{r.get('otlp_bytes', 0) // 1024} | {r.get('xray_datagrams', 0)} | {r.get('rollbar_items', 0)} | "
                   f"{r.get('blackhole_connections', 0)} |")
    return out


def _profiles(results):
    out = []
    for p in results["profiles"]:
        if "error" in p:
            out += ["", f"Profile of {p['config']}: {p['error']}"]
            continue
        out += ["", f"## Profile: {p['config']} on {p['database']} {size_label(p['size'])}, home feed",
                "", f"py-spy, {p['samples']} samples of both workers under wrk; "
                f"raw stacks `{p['raw']}` (not committed).",
                "", "| own time | package | | own time | function | | including callees | function |",
                "|---|---|---|---|---|---|---|---|"]
        rows = zip(p["by_package"] + [None] * TOP, p["top_own"], p["top_inclusive"], strict=False)
        for pkg, own, inc in rows:
            package = f"{pkg['share']:.1%} | `{pkg['function']}`" if pkg else " | "
            out.append(f"| {package} | | {own['share']:.1%} | `{own['function']}` | | {inc['share']:.1%} | "
                       f"`{inc['function']}` |")
    return out


def docs_section(results, source):
    """docs/benchmark.md's generated block (testkit/docs.py puts it between its markers): the run, the
    targets and the home feed per dataset, from the results file `source` (a path from the repo root)."""
    meta, summary = results["meta"], results["summary"]
    out = [f"Latest run, {meta['started'][:10]} ({meta['cpus']} cores, load average "
           f"{meta['load_average_at_start'][0]} at start): `{meta['command']}`; results in `{source}`.", ""]
    if meta["load_average_at_start"][0] > 1.0:
        out += ["Other jobs were loading the machine during this run, so req/s ratios are noisy; the workers' "
                "CPU ms per request (the `cpu` rows) is the steadier estimate of the overhead.", ""]
    out += ["| target | dataset | measured | goal | |", "|---|---|---|---|---|"]
    for row in summary["ratios"]:
        if row["headline"] and row["name"] not in ("rss",):
            what, op, _ = TARGETS[row["name"]]
            bound = row.get("bound")
            if "path" in row:
                what = f"{row['path']} p50 {size_label(row['size'])} ÷ {size_label(row['from_size'])}"
            goal = f"{op} {bound}" if op else "reported"
            out.append(f"| {row['name']}: {what} | {row['database']} {size_label(row['size'])} | "
                       f"{_fmt(row['value'])} | {goal} | {_verdict(row)} |")
    configs = meta["configs"]
    out += ["", "Home feed, requests/s (p99 ms), medians:", "",
            "| dataset | " + " | ".join(configs) + " |", "|---" * (len(configs) + 1) + "|"]
    cell = {(r["database"], r["size"], r["config"]): r for r in summary["table"] if r["path"] == "home"}
    for db, size in sorted({(d, s) for d, s, _ in cell}):
        out.append(f"| {db} {size_label(size)} | " + " | ".join(
            f"{cell[(db, size, c)]['rps']:.0f} ({_fmt(cell[(db, size, c)]['p99_ms'], 0)})" if (db, size, c) in cell
            else "–"
            for c in configs) + " |")
    out += ["", "![throughput and latency per configuration and size](../bench/results/chart.png)", "",
            "All tables, the user feed, search, memory and the profiles: "
            "[bench/results/REPORT.md](../bench/results/REPORT.md)."]
    return "\n".join(out)


def main(argv=None):
    """Rebuild REPORT.md and chart.png (and optionally docs/benchmark.md's block) from a results JSON."""
    import argparse
    import json
    from pathlib import Path

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("results", type=Path)
    parser.add_argument("--write-docs", action="store_true",
                        help="also rewrite docs/benchmark.md's figures from the newest results file, as bin/docs does")
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text())
    results["summary"] = summarize(results)
    root = Path(__file__).resolve().parents[1]
    for entry in results["profiles"]:
        if (root / entry.get("raw", "-")).is_file():  # raw stacks are kept locally: summarise them afresh
            entry.update(profile_summary((root / entry["raw"]).read_text()))
    args.results.write_text(json.dumps(results, indent=1) + "\n")
    (args.results.parent / "REPORT.md").write_text(markdown(results, "chart.png", args.results.name))
    chart(results, args.results.parent / "chart.png")
    if args.write_docs:
        from testkit import docs

        docs.write_blocks({"benchmark": docs.BLOCKS["benchmark"]})
    print(ratios_text(results["summary"]))


if __name__ == "__main__":
    main()
