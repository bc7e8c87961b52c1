"""The test run closes every socket it opens.

`filterwarnings = error` (pytest.ini) turns a `ResourceWarning: unclosed <socket …>` raised while a
test runs into a failure: the warning is raised in the socket's finaliser, pytest collects it as an
unraisable exception and reports it as `PytestUnraisableExceptionWarning`, which that filter makes an
error. A socket that is still referenced when the run ends (held by a module-level object, say) is
finalised only at interpreter exit, after pytest has reported; `pytest_sessionfinish` below looks
for such sockets once every fixture is torn down and fails the run if any is still open."""
import gc
import socket
import tracemalloc

import pytest


def open_sockets():
    gc.collect()
    # type(), not isinstance(): isinstance consults __class__, which proxies may compute.
    return [obj for obj in gc.get_objects() if issubclass(type(obj), socket.socket) and obj.fileno() != -1]


def _leak_report(leaked):
    lines = ["", f"ResourceWarning: {len(leaked)} socket(s) still open after every fixture was torn down:"]
    for sock in leaked:
        lines.append(f"    unclosed {sock!r}")
        where = tracemalloc.get_object_traceback(sock) if tracemalloc.is_tracing() else None
        lines += [f"      {frame}" for frame in where.format()] if where else []
    if not tracemalloc.is_tracing():
        lines.append("    (run pytest under `python -X tracemalloc=20` to see where each was opened)")
    return lines


_WORKER_KEY = "cruddur_open_sockets"  # how a pytest-xdist worker hands its report to the controller
_from_workers = []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """pytest-xdist's controller: keep what a worker found, to report it with the run's end."""
    _from_workers.extend(getattr(node, "workeroutput", {}).get(_WORKER_KEY, []))


def pytest_sessionfinish(session, exitstatus):
    leaked = open_sockets()
    lines = _leak_report(leaked) if leaked else []
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: its controller reports and fails the run
        workeroutput[_WORKER_KEY] = lines
        return
    lines += _from_workers
    if not lines:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for line in lines:
        if reporter is not None:
            reporter.write_line(line, red=True)
        else:
            print(line)
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
