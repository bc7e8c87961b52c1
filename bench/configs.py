"""The benchmark's server configurations, as environments for `gunicorn app:app`.

- bare: every signal off.
- full: all four signals on, exporting to local receivers; X-Ray by the SDK (CRUDDUR_XRAY_MODE=sdk).
- full-otel-xray: full with CRUDDUR_XRAY_MODE=otel: no X-Ray SDK in the backend (the collector's
  awsxray exporter makes the segments from the spans, outside the backend's process).
- sampled: full, with OTEL head sampling at 10% (X-Ray follows the shared sampled flag).
- course: full, served from bench/course_app.py, which wires telemetry as the course's seed notes
  do (a synchronous console span exporter and an ERROR-level log line on every request).
- down: all four signals on, every backend blackholed.
- floor-flask, floor-sqlalchemy, floor-xray, floor-logs: bare, plus one required library alone, as
  its own documentation wires it (bench/floors.py); measured on the home feed only."""
import json
import subprocess
import sys
from types import SimpleNamespace

from bench.floors import FLOORS
from testkit.gunicorn import backend_env
from testkit.signals import signals_env

CONFIGS = ("bare", "full", "full-otel-xray", "sampled", "course", "down", *FLOORS)
# The WSGI app each configuration serves (gunicorn runs in backend-flask/); "app:app" by default.
WSGI_APPS = {"course": "bench.course_app:app", **dict.fromkeys(FLOORS, "bench.floors:app")}


def wsgi_app(name):
    return WSGI_APPS.get(name, "app:app")


class Backends:
    """The receivers and blackholes (bench/backends.py), in a child process of their own."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, "-m", "bench.backends"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.addresses = json.loads(self.process.stdout.readline())

    def counts(self):
        self.process.stdin.write("counts\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def stop(self):
        self.process.stdin.close()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def receivers(self, blackholed=False):
        """In the shape signals_env reads: .url for HTTP peers, .address for the X-Ray daemon."""
        a = self.addresses
        if blackholed:
            return {"otlp": SimpleNamespace(url=a["blackhole"]), "rollbar": SimpleNamespace(url=a["blackhole"]),
                    "moto": SimpleNamespace(url=a["blackhole"]), "xray": SimpleNamespace(address=a["blackhole_udp"])}
        return {"otlp": SimpleNamespace(url=a["otlp"]), "rollbar": SimpleNamespace(url=a["rollbar"]),
                "moto": SimpleNamespace(url=a["moto"]), "xray": SimpleNamespace(address=a["xray"])}


def environment(name, database_url, backends):
    env = _environment(name, database_url, backends)
    env.pop("OTEL_BSP_SCHEDULE_DELAY", None)  # the tests shorten it; the bench keeps the SDK default
    return env


def _environment(name, database_url, backends):
    if name == "bare":
        return backend_env(database_url)
    if name == "full":
        return signals_env(database_url, backends.receivers())
    if name == "full-otel-xray":
        return signals_env(database_url, backends.receivers(), CRUDDUR_XRAY_MODE="otel")
    if name == "sampled":
        return signals_env(database_url, backends.receivers(), OTEL_TRACES_SAMPLER="parentbased_traceidratio",
                           OTEL_TRACES_SAMPLER_ARG="0.1")
    if name == "course":
        return signals_env(database_url, backends.receivers())
    if name == "down":
        return signals_env(database_url, backends.receivers(blackholed=True))
    if name in FLOORS:
        receivers = backends.receivers()
        return backend_env(database_url, CRUDDUR_BENCH_FLOOR=name, CRUDDUR_BENCH_OTLP_URL=receivers["otlp"].url,
                           CRUDDUR_BENCH_XRAY_ADDRESS=receivers["xray"].address,
                           CRUDDUR_BENCH_MOTO_URL=receivers["moto"].url)
    raise ValueError(f"unknown configuration {name!r}; choose from {', '.join(CONFIGS)}")
