"""Where a configuration's time goes: py-spy samples every gunicorn worker while wrk drives it."""
import os
import re
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from bench import measure

PY_SPY = Path(sys.executable).parent / "py-spy"
FRAME = re.compile(r"^(?P<func>.*) \((?P<file>.*?)(?::\d+)?\)$")
TOP = 15
FRAMEWORK = ("gunicorn/", "<frozen", "flask/app.py", "werkzeug/serving")  # in nearly every stack: says nothing


def _short(frame):
    """`func (path:line)` as `func (path inside its package root)`, e.g. `run (cruddur/services/home.py)`."""
    match = FRAME.match(frame)
    if not match:
        return frame
    path = re.sub(r"^.*(site-packages/|backend-flask/|/lib/python3\.\d+/)", "", match["file"])
    return f"{match['func']} ({path})"


def _package(frame):
    """cruddur/<module folder>, a library's top-level package, or the stdlib module."""
    path = frame[frame.rfind("(") + 1:-1]
    parts = path.split("/")
    if parts[0] == "cruddur":
        return "/".join(parts[:2]).removesuffix(".py")
    return parts[0].removesuffix(".py")


def summarize(collapsed):
    """Top functions by own samples and by samples that include them, and own samples per package,
    from py-spy's raw format."""
    own, inclusive, packages, total = Counter(), Counter(), Counter(), 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_short(f) for f in stack.split(";") if FRAME.match(f)]
        if not frames:
            continue
        count = int(count)
        total += count
        own[frames[-1]] += count
        packages[_package(frames[-1])] += count
        for frame in set(frames):
            if not frame.split(" (", 1)[-1].startswith(FRAMEWORK) and not frame.startswith("<module>"):
                inclusive[frame] += count

    def top(counter):
        return [{"function": f, "share": round(n / total, 3)} for f, n in counter.most_common(TOP)]

    return {"samples": total, "top_own": top(own), "top_inclusive": top(inclusive), "by_package": top(packages)}


def record(server, url, seconds, outdir):
    """Sample the workers for `seconds` under wrk load; keep the raw stacks and return a summary."""
    if not PY_SPY.exists():
        return {"error": "py-spy not installed (pip install -r bench/requirements.txt)"}
    outdir.mkdir(parents=True, exist_ok=True)
    output = outdir / f"{server.port}-{len(list(outdir.iterdir()))}.txt"
    load = threading.Thread(target=measure.wrk, args=(url, seconds + 2))
    load.start()
    try:
        subprocess.run([str(PY_SPY), "record", "--pid", str(server.process.pid), "--subprocesses", "--nonblocking",
                        "--rate", "200", "--full-filenames", "--duration", str(seconds), "--format", "raw",
                        "--output", str(output)],
                       capture_output=True, text=True, timeout=seconds + 60, check=True)
    finally:
        load.join()
    return {"raw": os.path.relpath(output, Path(__file__).resolve().parents[1]), **summarize(output.read_text())}
