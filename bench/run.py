"""Cruddur's overhead benchmark: the same gunicorn with every signal off ("bare") and with all
four on, exporting to local receivers ("full"), driven by wrk from a separate process in
interleaved rounds on loopback. Reports requests/s and latency per configuration and the ratios.

Usage: bin/bench [--rounds 5] [--seconds 8] [--cruds 300] [--path /api/activities/home]"""
import argparse
import logging
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.gunicorn import Gunicorn, backend_env, flask_command  # noqa: E402
from tests.support.receivers import MotoServer, OTLPReceiver, RollbarReceiver, XRayReceiver  # noqa: E402
from tests.support.signals import signals_env  # noqa: E402

logging.getLogger("werkzeug").setLevel(logging.WARNING)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {}
    for pct, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M):
        latency[f"p{pct}_ms"] = float(value) * UNITS[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, **latency, "non_2xx": int(errors.group(1)) if errors else 0}


def wrk(url, seconds, threads=2, connections=8):
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    return parse_wrk(out)


def add_cruds(url, count):
    import requests

    session = requests.Session()
    token = session.post(f"{url}/api/auth/signin", json={"login": "andrewbrown", "password": "cruddur-demo"},
                         timeout=10).json()["access_token"]
    for n in range(count):
        session.post(f"{url}/api/activities", json={"message": f"bench crud {n}", "ttl": "7-days"},
                     headers={"Authorization": f"Bearer {token}"}, timeout=10).raise_for_status()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--cruds", type=int, default=300)
    parser.add_argument("--path", default="/api/activities/home")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "overhead.json")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")

    workdir = Path(tempfile.mkdtemp(prefix="cruddur-bench-"))
    database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    receivers = {"otlp": OTLPReceiver().start(), "xray": XRayReceiver().start(),
                 "rollbar": RollbarReceiver().start(), "moto": MotoServer().start()}
    configs = {"bare": backend_env(database_url), "full": signals_env(database_url, receivers)}
    servers = {}
    try:
        flask_command(configs["bare"], "db", "upgrade")
        flask_command(configs["bare"], "seed")
        for name, env in configs.items():
            servers[name] = Gunicorn(env, workers=args.workers, log_path=workdir / f"{name}.log").start()
        print(f"adding {args.cruds} cruds", flush=True)
        add_cruds(servers["bare"].url, args.cruds)
        for server in servers.values():  # warm up every worker
            wrk(server.url + args.path, 2)
        runs = {name: [] for name in servers}
        for round_no in range(1, args.rounds + 1):
            order = list(servers) if round_no % 2 else list(reversed(servers))
            for name in order:
                result = wrk(servers[name].url + args.path, args.seconds)
                runs[name].append(result)
                print(f"round {round_no}/{args.rounds} {name:5s} {result['rps']:8.1f} req/s "
                      f"p50 {result.get('p50_ms', 0):6.2f} ms p99 {result.get('p99_ms', 0):6.2f} ms", flush=True)
                time.sleep(1)
    finally:
        for server in servers.values():
            server.stop()
        for receiver in receivers.values():
            receiver.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    summary = {name: {key: statistics.median(r[key] for r in results) for key in ("rps", "p50_ms", "p99_ms")}
               for name, results in runs.items()}
    summary["ratios"] = {"rps_full_over_bare": summary["full"]["rps"] / summary["bare"]["rps"],
                         "p99_full_over_bare": summary["full"]["p99_ms"] / summary["bare"]["p99_ms"]}
    report = {"path": args.path, "workers": args.workers, "rounds": args.rounds, "seconds": args.seconds,
              "cruds": args.cruds, "wrk": "-t2 -c8", "summary": summary, "runs": runs}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    print(f"full ÷ bare throughput: {summary['ratios']['rps_full_over_bare']:.2f} (written to {args.out})")


if __name__ == "__main__":
    main()
