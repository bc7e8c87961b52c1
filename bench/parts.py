"""Where a request's CPU goes, part by part: one worker serving the home feed in-process.

For each configuration (bare, full, sampled, and the floors; see bench/configs.py) a fresh process loads the app
as a gunicorn worker does (telemetry after fork, gc.freeze), serves GET /api/activities/home from
the SQLite 1k dataset through the WSGI interface, and times with thread CPU clocks:
- every before_request, after_request and teardown hook of the app, by name;
- the SQLAlchemy instrumentation's per-statement hooks;
- the Flask instrumentation's WSGI wrapper (the time outside Flask's own wsgi_app);
- garbage collection;
- the CPU each background thread (span export, CloudWatch sender) used per request.
Configurations run in alternating rounds; the table gives medians in µs per request.

Usage: .venv/bin/python -m bench.parts [--requests N] [--rounds N] [--configs bare,full,sampled]"""
import argparse
import collections
import gc
import io
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from testkit.paths import BACKEND

PATH = "/api/activities/home"
WARM_UP = 300


class Clock:
    """Thread CPU time per named part, in nanoseconds."""

    def __init__(self):
        self.ns = collections.Counter()

    def wrap(self, name, func):
        def timed(*args, **kwargs):
            start = time.thread_time_ns()
            try:
                return func(*args, **kwargs)
            finally:
                self.ns[name] += time.thread_time_ns() - start
        return timed

    def wrapper(self, name):
        """For wrapt: the same timing around an instance method."""
        def timed(wrapped, instance, args, kwargs):
            return self.wrap(name, wrapped)(*args, **kwargs)
        return timed


def _instrument_clock(clock):
    """Timers that must be in place before the app is built (the instrumentation captures these)."""
    import flask
    from opentelemetry.instrumentation.sqlalchemy import engine
    from wrapt import wrap_function_wrapper

    wrap_function_wrapper(engine.EngineTracer, "_before_cur_exec", clock.wrapper("SQLAlchemy instrumentation"))
    engine._after_cur_exec = clock.wrap("SQLAlchemy instrumentation", engine._after_cur_exec)
    wrap_function_wrapper(flask.Flask, "wsgi_app", clock.wrapper("flask"))


def _hook_clocks(app, clock):
    for kind in ("before_request", "after_request", "teardown_request", "teardown_appcontext"):
        hooks = getattr(app, f"{kind}_funcs")
        for _key, funcs in (hooks.items() if isinstance(hooks, dict) else [(None, hooks)]):
            funcs[:] = [clock.wrap(f"{kind}: {_name(f)}", f) for f in funcs]


def _name(func):
    func = getattr(func, "func", func)  # functools.partial
    func = getattr(func, "__wrapped__", func)  # a hook that runs only for sampled requests
    return getattr(func, "__qualname__", type(func).__name__).replace("<locals>.", "")


def _gc_clock(clock):
    started = {}

    def on_gc(phase, info):
        if phase == "start":
            started["ns"] = time.thread_time_ns()
        elif "ns" in started:
            clock.ns["garbage collection"] += time.thread_time_ns() - started.pop("ns")
    gc.callbacks.append(on_gc)


def _thread_cpu_ns():
    """CPU time of every thread of this process, by thread name."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    ticks = 1e9 / os.sysconf("SC_CLK_TCK")
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        out[names.get(int(tid), f"thread {tid}")] = (int(fields[11]) + int(fields[12])) * ticks
    return out


def child(requests):
    """Runs inside a process whose environment is one configuration's, in backend-flask/ (for `app`)."""
    clock = Clock()
    _instrument_clock(clock)
    if os.environ.get("CRUDDUR_BENCH_FLOOR"):
        from bench.floors import app
    else:
        from app import app
    from cruddur import telemetry

    telemetry.after_fork()
    gc.freeze()  # as gunicorn.conf.py's post_worker_init does
    _hook_clocks(app, clock)
    _gc_clock(clock)

    def call():
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": PATH, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
                   "SERVER_PORT": "4567", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
                   "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "REMOTE_ADDR": "127.0.0.1",
                   "HTTP_HOST": "127.0.0.1:4567", "HTTP_USER_AGENT": "bench-parts", "HTTP_ACCEPT": "*/*"}
        status = []
        b"".join(app(environ, lambda s, headers, exc_info=None: status.append(s)))
        if not status[0].startswith("200"):
            raise RuntimeError(f"{PATH} answered {status[0]}")

    for _ in range(WARM_UP):
        call()
    clock.ns.clear()
    threads_before = _thread_cpu_ns()
    start = time.thread_time_ns()
    for _ in range(requests):
        call()
    main_ns = time.thread_time_ns() - start
    threads = {name: ns - threads_before.get(name, 0) for name, ns in _thread_cpu_ns().items()
               if name != "MainThread" and ns - threads_before.get(name, 0) > 0}
    parts = dict(clock.ns)
    parts["the rest: Flask, routing, the service, SQL, ORM, JSON"] = parts.pop("flask", 0) - sum(
        ns for name, ns in parts.items() if name.startswith(("before_", "after_", "teardown_", "SQLAlchemy",
                                                              "garbage")))
    outer = main_ns - clock.ns["flask"]
    parts["outside Flask's wsgi_app: the Flask instrumentation's wrapper (bare: the call itself)"] = outer
    result = {"main": main_ns / requests / 1000,
              "parts": {name: ns / requests / 1000 for name, ns in parts.items()},
              "threads": {name: ns / requests / 1000 for name, ns in threads.items()}}
    print("PARTS " + json.dumps(result), flush=True)
    os._exit(0)  # no shutdown flush: it is not part of a request


def run(args):
    from bench import configs, datasets

    dataset = datasets.sqlite_dataset(datasets.parse_size("1k"))
    backends = configs.Backends()
    results = {name: [] for name in args.configs}
    try:
        for round_no in range(args.rounds):
            for name in args.configs:
                env = configs.environment(name, dataset.url, backends)
                done = subprocess.run([sys.executable, "-m", "bench.parts", "--child", "--requests",
                                       str(args.requests)], cwd=BACKEND, env=env, capture_output=True, text=True,
                                      timeout=600)
                lines = [line for line in done.stdout.splitlines() if line.startswith("PARTS ")]
                if not lines:
                    raise RuntimeError(f"{name}: no measurement\n{done.stderr[-2000:]}")
                results[name].append(json.loads(lines[0][6:]))
                print(f"[{round_no + 1}/{args.rounds}] {name:8s} {results[name][-1]['main']:8.1f} µs/request "
                      "in the request thread", flush=True)
    finally:
        backends.stop()
    print(table(results))


def _median(rounds, *keys):
    values = []
    for r in rounds:
        value = r
        for key in keys:
            value = value.get(key, 0) if isinstance(value, dict) else 0
        values.append(value)
    return statistics.median(values)


def table(results):
    names = list(results)
    rows = []
    for section in ("parts", "threads"):
        keys = sorted({k for rounds in results.values() for r in rounds for k in r[section]},
                      key=lambda k: -max(_median(results[n], section, k) for n in names))
        label = "" if section == "parts" else "background thread: "
        rows += [(label + k, [_median(results[n], section, k) for n in names]) for k in keys]
    total = [_median(results[n], "main") + sum(_median(results[n], "threads", k)
                                               for k in results[n][0]["threads"]) for n in names]
    out = ["| part | " + " | ".join(f"{n} µs" for n in names) + " |", "|---" * (len(names) + 1) + "|"]
    out += [f"| {name} | " + " | ".join(f"{v:,.0f}" for v in values) + " |" for name, values in rows
            if max(values) >= 1]
    out.append("| **CPU per request, all threads** | " + " | ".join(f"**{v:,.0f}**" for v in total) + " |")
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement (default 2000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per configuration (default 3)")
    parser.add_argument("--configs", type=lambda t: [p for p in t.split(",") if p], default=["bare", "full", "sampled"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.requests)
    else:
        run(args)


if __name__ == "__main__":
    main()
