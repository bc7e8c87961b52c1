"""Cruddur's three Go programs, built from their Go modules at pinned versions and cached by version:
the OpenTelemetry Collector (made by the Collector Builder from otel-collector/builder-config.yaml),
Jaeger v2 and the AWS X-Ray daemon.

Each binary lands in `<cache>/go/bin/<program>-<version>-<recipe digest>`, where `<cache>` is the
compose-up cache root (tests/compose_up/engine.py's CACHE, `CRUDDUR_COMPOSE_UP_CACHE` or
/var/cache/cruddur-compose-up). GOPATH, GOMODCACHE and GOCACHE live under `<cache>/go` too, so a warm
call is a file check and a rebuild after a recipe change reuses every downloaded module. Builds are
static (CGO_ENABLED=0) and `-trimpath`. Two processes asking at once are safe: the first takes an
fcntl lock per binary and builds in a temporary folder, the binary is renamed into place atomically,
and the second finds it when the lock is released.

`python -m testkit.go_programs [collector|jaeger|xray-daemon …]` builds (or finds) them and prints
their paths."""
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from .paths import ROOT

CACHE = Path(os.environ.get("CRUDDUR_COMPOSE_UP_CACHE", "/var/cache/cruddur-compose-up")) / "go"
MANIFEST = ROOT / "otel-collector" / "builder-config.yaml"

# The Collector Builder's release is the collector release the manifest pins.
BUILDER = ("go.opentelemetry.io/collector/cmd/builder", "v0.159.0")
# Jaeger v2 images are tagged v2.x while its Go module stays on v1.x tags: v1.75.0 is Jaeger v2.12.0.
JAEGER = ("github.com/jaegertracing/jaeger", "v1.75.0", "github.com/jaegertracing/jaeger/cmd/jaeger")
# The daemon's tags are v3.x without a /v3 module path, so a release is a commit's pseudo-version:
# tag v3.3.12 (the amazon/aws-xray-daemon:3.3.12 image) is commit 8a75f762ae6a of 2024-05-01.
XRAY_DAEMON = ("github.com/aws/aws-xray-daemon", "v0.0.0-20240501044756-8a75f762ae6a",
               "github.com/aws/aws-xray-daemon/cmd/tracing")

BUILD_FLAGS = ("-trimpath", "-ldflags=-s -w")
# Bump when the way a program is built changes without its version changing.
RECIPE_REVISION = "1"
BUILD_TIMEOUT = 1500


class GoBuildError(RuntimeError):
    """A go command failed while building a program; the message ends with its output."""


class GoModuleUnavailable(GoBuildError):
    """The Go module proxy refuses the module version, so the program cannot be built here."""


@dataclass(frozen=True)
class Built:
    name: str
    version: str
    path: Path
    cached: bool  # True when an earlier build was reused


def _digest(*parts):
    h = hashlib.sha256()
    for part in parts:
        h.update(part.read_bytes() if isinstance(part, Path) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def go_env(cache=None):
    """The environment every go command here runs in: module and build caches under the cache root,
    no cgo, the machine's own toolchain, and the caller's proxy settings."""
    cache = Path(cache or CACHE)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GO", "CGO_"))}
    for key in ("GOPROXY", "GONOSUMDB", "GONOSUMCHECK", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GOINSECURE"):
        if key in os.environ:
            env[key] = os.environ[key]
    env.update(
        GOPATH=str(cache / "gopath"),
        GOMODCACHE=str(cache / "gopath" / "pkg" / "mod"),
        GOCACHE=str(cache / "gocache"),
        GOFLAGS="-modcacherw -buildvcs=false",
        GOTOOLCHAIN="local",
        CGO_ENABLED="0",
    )
    return env


def _go_version():
    return subprocess.run(["go", "env", "GOVERSION"], capture_output=True, text=True, check=True).stdout.strip()


def _run(argv, cwd, env):
    proc = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=BUILD_TIMEOUT, check=False)
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr)[-4000:]
        kind = GoModuleUnavailable if ("403 Forbidden" in output or "not available" in output) else GoBuildError
        raise kind(f"{' '.join(map(str, argv))} exited {proc.returncode} in {cwd}:\n{output}")
    return proc


def _cached(name, version, recipe, build, progress=None, cache=None):
    """The binary for (name, version, recipe), built by `build(workdir, env) -> path` when missing."""
    cache = Path(cache or CACHE)
    key = f"{name}-{version}-{_digest(name, version, RECIPE_REVISION, _go_version(), *recipe)}"
    final = cache / "bin" / key
    if final.exists():
        return Built(name, version, final, cached=True)
    for folder in ("bin", "locks", "tmp"):
        (cache / folder).mkdir(parents=True, exist_ok=True)
    with open(cache / "locks" / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if final.exists():  # another process built it while this one waited
            return Built(name, version, final, cached=True)
        if progress:
            progress(f"building {name} {version} from its Go module into {final.parent} (cold: minutes)")
        work = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=cache / "tmp"))
        try:
            started = time.monotonic()
            binary = build(work, go_env(cache))
            staged = cache / "bin" / f".{key}.{os.getpid()}"
            shutil.move(binary, staged)
            os.chmod(staged, 0o755)
            os.replace(staged, final)
            (cache / "bin" / f"{key}.seconds").write_text(f"{time.monotonic() - started:.0f}\n")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return Built(name, version, final, cached=False)


def _module_program(module, version, package, binary_name):
    """A build step for a Go program taken as a tool dependency of a scratch module, the way a module's
    own `replace` directives cannot break it: `go get -tool package@version`, then `go build`."""
    def build(work, env):
        _run(["go", "mod", "init", f"cruddur.local/build/{binary_name}"], work, env)
        _run(["go", "get", "-tool", f"{package}@{version}"], work, env)
        out = work / "out" / binary_name
        _run(["go", "build", *BUILD_FLAGS, "-o", out, package], work, env)
        return out
    return build


def builder(progress=None, cache=None):
    """The OpenTelemetry Collector Builder (ocb) at BUILDER's release."""
    module, version = BUILDER

    def build(work, env):
        _run(["go", "mod", "init", "cruddur.local/build/ocb"], work, env)
        _run(["go", "get", "-tool", f"{module}@{version}"], work, env)
        out = work / "out" / "builder"
        _run(["go", "build", *BUILD_FLAGS, "-o", out, module], work, env)
        return out

    return _cached("ocb", version, (module, *BUILD_FLAGS), build, progress, cache)


def manifest_components(manifest=MANIFEST):
    """{kind: ["module version", …]} for the manifest's receivers, processors, exporters, extensions,
    connectors (kinds it leaves out are empty)."""
    data = yaml.safe_load(Path(manifest).read_text())
    kinds = ("receivers", "processors", "exporters", "extensions", "connectors")
    return {kind: [entry["gomod"] for entry in data.get(kind) or []] for kind in kinds}


def collector(progress=None, cache=None, manifest=MANIFEST):
    """Cruddur's OpenTelemetry Collector, made by the Collector Builder from `manifest`."""
    manifest = Path(manifest)
    ocb = builder(progress, cache).path
    version = "v" + str(yaml.safe_load(manifest.read_text())["dist"]["version"])

    def build(work, env):
        data = yaml.safe_load(manifest.read_text())
        data["dist"]["output_path"] = str(work / "out")
        rendered = work / "builder-config.yaml"
        rendered.write_text(yaml.safe_dump(data, sort_keys=False))
        _run([ocb, f"--config={rendered}", "--ldflags=-s -w"], work, env)
        return work / "out" / data["dist"]["name"]

    return _cached("otelcol-cruddur", version, (manifest, ocb.name), build, progress, cache)


def jaeger(progress=None, cache=None):
    """Jaeger v2 (all in one: collector, memory storage, query API and UI)."""
    module, version, package = JAEGER
    return _cached("jaeger", version, (package, *BUILD_FLAGS),
                   _module_program(module, version, package, "jaeger"), progress, cache)


def xray_daemon(progress=None, cache=None):
    """The AWS X-Ray daemon (`xray`). Raises GoModuleUnavailable where the proxy does not serve it."""
    module, version, package = XRAY_DAEMON
    return _cached("xray", version, (package, *BUILD_FLAGS),
                   _module_program(module, version, package, "xray"), progress, cache)


def jaeger_loopback_config(protocol, ports, log_level="warn"):
    """A Jaeger v2 config for tests: OTLP over `protocol` ("grpc" or "http") on `ports["otlp"]`,
    memory storage, and the query API on `ports["query_http"]`/`ports["query_grpc"]`, all on
    127.0.0.1."""
    return {
        "service": {
            "extensions": ["jaeger_storage", "jaeger_query"],
            "pipelines": {"traces": {"receivers": ["otlp"], "processors": ["batch"],
                                     "exporters": ["jaeger_storage_exporter"]}},
            "telemetry": {"metrics": {"level": "none"}, "logs": {"level": log_level}},
        },
        "extensions": {
            # enable_tracing off: Jaeger's own spans would go to localhost:4317 and stall its shutdown.
            "jaeger_query": {"storage": {"traces": "memstore"}, "enable_tracing": False,
                             "http": {"endpoint": f"127.0.0.1:{ports['query_http']}"},
                             "grpc": {"endpoint": f"127.0.0.1:{ports['query_grpc']}"}},
            "jaeger_storage": {"backends": {"memstore": {"memory": {"max_traces": 1000}}}},
        },
        "receivers": {"otlp": {"protocols": {protocol: {"endpoint": f"127.0.0.1:{ports['otlp']}"}}}},
        "processors": {"batch": {"timeout": "100ms"}},
        "exporters": {"jaeger_storage_exporter": {"trace_storage": "memstore"}},
    }


PROGRAMS = {"collector": collector, "jaeger": jaeger, "xray-daemon": xray_daemon}


def main(argv=None):
    names = (argv if argv is not None else sys.argv[1:]) or list(PROGRAMS)
    status = 0
    for name in names:
        try:
            built = PROGRAMS[name](progress=lambda text: print(text, file=sys.stderr, flush=True))
        except GoBuildError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            status = 1
            continue
        size = built.path.stat().st_size / 2**20
        print(f"{name} {built.version} {'cached' if built.cached else 'built'} {size:.1f} MiB {built.path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
