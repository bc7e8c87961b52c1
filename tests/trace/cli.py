"""bin/lib/trace.py loaded as a module (bin/lib is not a package, and `trace` is a standard library name),
and a runner for its main() that captures what it writes."""
import importlib.util
import io
from dataclasses import dataclass

from testkit.paths import ROOT

TRACE_PY = ROOT / "bin" / "lib" / "trace.py"
BIN_TRACE = ROOT / "bin" / "trace"


def _load():
    spec = importlib.util.spec_from_file_location("cruddur_bin_trace", TRACE_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bin_trace = _load()


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(*argv, env):
    """bin/trace's main() in this process with exactly `env` as its environment."""
    out, err = io.StringIO(), io.StringIO()
    code = bin_trace.main([str(a) for a in argv], environ=env, stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())
