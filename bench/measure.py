"""Measuring a running server: wrk from a separate process, and the workers' peak memory."""
import os
import re
import subprocess
from pathlib import Path

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
THREADS, CONNECTIONS = 2, 8


def parse_wrk(output):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {f"p{pct}_ms": float(value) * UNITS[unit]
               for pct, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)}
    requests = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    completed = int(requests.group(1)) if requests else 0
    if not completed:  # every request timed out: wrk prints zeros, which are no latency
        latency = dict.fromkeys(latency)
    return {"rps": rps, **latency, "requests": completed,
            "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
            "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0}


def wrk(url, seconds, threads=THREADS, connections=CONNECTIONS, timeout_s=5, headers=()):
    """One bounded wrk run on loopback; requests slower than `timeout_s` count as socket errors.
    `headers` are "Name: value" lines sent with every request."""
    extra = [arg for header in headers for arg in ("-H", header)]
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout_s}s",
                          "--latency", *extra, url], capture_output=True, text=True, timeout=seconds + 30,
                         check=True).stdout
    return parse_wrk(out)


def cpu_seconds(pids):
    """User plus system CPU time the processes (all their threads) have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def wrk_with_cpu(url, seconds, arbiter_pid):
    """wrk, plus the workers' CPU milliseconds per request: unlike req/s, it holds when others load the machine."""
    pids = worker_pids(arbiter_pid)
    before = cpu_seconds(pids)
    result = wrk(url, seconds)
    used = cpu_seconds(pids) - before
    result["cpu_ms_per_request"] = round(1000 * used / result["requests"], 3) if result["requests"] else None
    return result


def worker_pids(arbiter_pid):
    children = Path(f"/proc/{arbiter_pid}/task/{arbiter_pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def memory_mib(pid):
    """VmHWM (the most resident memory the process has had) and VmRSS (resident now), in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return fields


def workers_memory_mib(arbiter_pid):
    """Per worker of a gunicorn arbiter: {"peak": [...], "rss": [...]}."""
    per_worker = [memory_mib(pid) for pid in worker_pids(arbiter_pid)]
    return {"peak": [m.get("VmHWM") for m in per_worker], "rss": [m.get("VmRSS") for m in per_worker]}
