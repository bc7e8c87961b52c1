"""Cruddur's benchmark: what observability and data growth cost, measured side by side in one run.

For each database and size it loads (or reuses) a dataset, starts one gunicorn per configuration
(bare, full, full-otel-xray, sampled, course, down; see bench/configs.py), and drives them in interleaved rounds
with wrk from a separate process on loopback. It writes the raw rounds and a summary to
bench/results/<name>.json, the tables to REPORT.md and a chart to chart.png.

Usage: bin/bench [--sizes 1k,100k,1m] [--databases sqlite,postgresql] [--configs bare,full,...]
                 [--rounds N] [--seconds S] [--quick] [--profile full]
       bin/bench --purge [--sizes 1m] [--databases ...] [--batch-size 500] [--rounds N]   (bench/purge.py)
       bin/bench --scale [--sizes 1k,1m] [--databases ...] [--rounds N]   (bench/scale.py: P3 on every list route)"""
import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from bench import configs, datasets, measure, profile, purge, ratios, report, scale
from bench.chart import chart
from testkit.gunicorn import Gunicorn
from testkit.paths import ROOT

PATHS = {"home": "/api/activities/home", "home100": "/api/activities/home?limit=100",
         "user": "/api/activities/@{handle}", "search": "/api/activities/search?term={term}"}
RESULTS = ROOT / "bench" / "results"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    split = lambda text: [part.strip() for part in text.split(",") if part.strip()]  # noqa: E731
    parser.add_argument("--sizes", type=split, default=["1k", "100k", "1m"],
                        help="activities per dataset (default 1k,100k,1m)")
    parser.add_argument("--databases", type=split, default=["sqlite", "postgresql"])
    parser.add_argument("--configs", type=split, default=list(configs.CONFIGS))
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--profile", type=split, default=[],
                        help="configurations to profile with py-spy on the home feed after the rounds")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: sizes 1k,10k, one round of 2 s, results under bench/results/raw/")
    parser.add_argument("--load-only", action="store_true", help="only load (or check) the cached datasets")
    parser.add_argument("--purge", action="store_true",
                        help="the purge benchmark instead (bench/purge.py); sizes count top-level cruds, default 1m")
    parser.add_argument("--scale", action="store_true",
                        help="P3 on every list route, the smallest and largest size side by side (bench/scale.py)")
    parser.add_argument("--batch-size", type=int, default=500, help="purge-expired --batch-size (with --purge)")
    parser.add_argument("--name", help="results file name (default: a UTC timestamp)")
    parser.add_argument("--out", type=Path, help="results folder (default bench/results, raw/quick with --quick)")
    args = parser.parse_args(argv)
    args.command = "bin/bench " + " ".join(sys.argv[1:] if argv is None else argv)
    given = argv if argv is not None else sys.argv
    if args.scale and "--sizes" not in given:
        args.sizes = ["1k", "1m"]
    if args.purge and "--sizes" not in given:
        args.sizes = ["10k"] if args.quick else ["1m"]
    if args.purge and "--rounds" not in given:
        args.rounds = 1 if args.quick else 2
    if args.quick and not args.purge:
        args.sizes, args.rounds, args.seconds = ["1k", "10k"], 1, 2
    args.out = args.out or (RESULTS / "raw" / "quick" if args.quick else RESULTS)
    args.sizes = sorted(datasets.parse_size(s) for s in args.sizes)
    for name in args.configs + args.profile:
        if name not in configs.CONFIGS:
            parser.error(f"unknown configuration {name!r}; choose from {', '.join(configs.CONFIGS)}")
    for name in args.databases:
        if name not in ("sqlite", "postgresql"):
            parser.error(f"unknown database {name!r}; choose sqlite or postgresql")
    return args


def machine():
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                     text=True).stdout.strip(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def urls(server, dataset, paths):
    return {path: server.url + PATHS[path].format(handle=dataset.user_handle, term=quote(dataset.search_term))
            for path in paths}


def check_server(name, server, targets):
    import requests

    for path, url in targets.items():
        response = requests.get(url, timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"{name} answered {response.status_code} on {path}: {response.text[:300]}")


def bench_dataset(dataset, paths, args, backends, workdir, results):
    label = dataset.label
    servers = {}
    counts_before = {name: b.counts() for name, b in backends.items()}
    try:
        for name in args.configs:
            print(f"==> {label}: starting gunicorn ({args.workers} workers) for {name}", flush=True)
            env = configs.environment(name, dataset.url, backends.get(name))
            servers[name] = Gunicorn(env, workers=args.workers, log_path=workdir / f"{name}.log",
                                     app=configs.wsgi_app(name)).start()
        # The floors measure each library's own cost on the home feed only.
        targets = {name: urls(server, dataset, ["home"] if name in configs.FLOORS else paths)
                   for name, server in servers.items()}
        for name, server in servers.items():
            check_server(name, server, targets[name])
            for url in targets[name].values():  # warm every worker's connections and caches
                measure.wrk(url, 1 if args.quick else 2)
        total = args.rounds * sum(len(t) for t in targets.values())
        done = 0
        for round_no in range(args.rounds):
            for path in paths:
                order = args.configs[round_no % len(args.configs):] + args.configs[:round_no % len(args.configs)]
                for name in (n for n in order if path in targets[n]):
                    result = measure.wrk_with_cpu(targets[name][path], args.seconds, servers[name].process.pid)
                    done += 1
                    results["runs"].append({"database": dataset.database, "size": dataset.size, "path": path,
                                            "config": name, "round": round_no + 1,
                                            "load_average": round(os.getloadavg()[0], 2), **result})
                    errors = result["non_2xx"] + result["socket_errors"]
                    print(f"[{done}/{total}] {label} {path:6s} {name:7s} {result['rps']:8.1f} req/s  "
                          f"p50 {result.get('p50_ms', 0):7.2f} ms  p99 {result.get('p99_ms', 0):7.2f} ms  "
                          f"cpu {result['cpu_ms_per_request'] or 0:6.2f} ms/req  load {os.getloadavg()[0]:.1f}"
                          + (f"  errors {errors}" if errors else ""), flush=True)
                    time.sleep(0.5)
        for name, server in servers.items():
            results["memory"].append({"database": dataset.database, "size": dataset.size, "config": name,
                                      **measure.workers_memory_mib(server.process.pid)})
        for name in args.profile:
            if name in servers:
                print(f"==> {label}: profiling {name} on home with py-spy for {args.seconds} s", flush=True)
                results["profiles"].append({"database": dataset.database, "size": dataset.size, "config": name,
                                            **profile.record(servers[name], targets[name]["home"], args.seconds,
                                                             args.out / "raw" / "profiles")})
    finally:
        for server in servers.values():
            server.stop()
    for name, b in backends.items():
        after = b.counts()
        results["received"].append({"database": dataset.database, "size": dataset.size, "config": name,
                                    **{k: v - counts_before[name].get(k, 0) for k, v in after.items()}})


def run(args):
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    started = datetime.now(UTC)
    results = {"meta": {**machine(), "started": started.isoformat(), "rounds": args.rounds,
                        "seconds": args.seconds, "workers": args.workers, "quick": args.quick,
                        "wrk": f"-t{measure.THREADS} -c{measure.CONNECTIONS}", "configs": args.configs,
                        "command": "bin/bench " + " ".join(sys.argv[1:])},
               "datasets": [], "runs": [], "memory": [], "received": [], "profiles": []}
    if results["meta"]["load_average_at_start"][0] > 1.0:
        print(f"warning: load average {results['meta']['load_average_at_start']} — the machine is busy, "
              "ratios will be noisy", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="cruddur-bench-"))
    backends = {name: configs.Backends() for name in args.configs if name != "bare" and not args.load_only}
    try:
        for database in args.databases:
            pg = datasets.CachedPostgres().start() if database == "postgresql" else None
            try:
                for size in args.sizes:
                    dataset = pg.dataset(size) if pg else datasets.sqlite_dataset(size)
                    results["datasets"].append(datasets.describe(dataset))
                    if args.load_only:
                        continue
                    extremes = (args.sizes[0], args.sizes[-1])
                    paths = ["home"] + (["home100", "user", "search"] if size in extremes else [])
                    bench_dataset(dataset, paths, args, backends, workdir, results)
            finally:
                if pg:
                    pg.stop()
    finally:
        for b in backends.values():
            b.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    results["meta"]["finished"] = datetime.now(UTC).isoformat()
    results["meta"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def side_run(args, module, kind, report):
    """A benchmark of its own (bench/purge.py, bench/scale.py): results in <kind>-<timestamp>.json
    and its Markdown in `report`, both under the results folder."""
    workdir = Path(tempfile.mkdtemp(prefix=f"cruddur-bench-{kind}-"))
    try:
        results = module.run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    name = args.name or f"{kind}-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    results.setdefault("meta", {**machine(), "command": args.command})
    text = module.markdown(results)
    (args.out / f"{name}.json").write_text(json.dumps(results, indent=1) + "\n")
    (args.out / report).write_text(text)
    print(text)
    print(f"written: {args.out / (name + '.json')}, {args.out / report}")


def _stop_on_sigterm(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")  # unwinds, so servers and PostgreSQL are stopped


def main(argv=None):
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    args = parse_args(argv)
    if args.purge:
        return side_run(args, purge, "purge", "PURGE.md")
    if args.scale:
        return side_run(args, scale, "scale", "SCALE.md")
    results = run(args)
    if args.load_only:
        return
    results["summary"] = ratios.summarize(results)
    name = args.name or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.json").write_text(json.dumps(results, indent=1) + "\n")
    (args.out / "REPORT.md").write_text(report.markdown(results, chart="chart.png", raw_name=f"{name}.json"))
    chart(results, args.out / "chart.png")
    print(report.ratios_text(results["summary"]))
    print(f"written: {args.out / (name + '.json')}, {args.out / 'REPORT.md'}, {args.out / 'chart.png'}")


if __name__ == "__main__":
    main()
