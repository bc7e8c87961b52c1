"""How bin/test spreads the suite over pytest-xdist workers (`-n N`): a group of tests runs whole on one
worker, and the longest groups start first.

- A package whose fixtures hold one stack for the whole package (a Docker engine; nginx with its
  replicas; the 100k-row databases; gunicorn, the UI and Chromium) is one group.
- A module is one group, so that its module-scoped servers start once.
- The in-process API tests share only session fixtures: each goes to whichever worker is free, last.

pytest-xdist's own `--dist loadgroup` marks a group by renaming each test's node id, which pytest 9
no longer allows (the marks are silently ignored), so the groups come from a scheduler of our own:
xdist's load-scope scheduler with the grouping rule below. Its extension point (`_split_scope`) is
xdist's own, so the version is checked."""
import atexit
import os
import sys
import tempfile
import threading
from importlib.metadata import version

import pytest

WHOLE_PACKAGES = ("compose_up", "topology", "scale", "e2e")
SPREAD_PACKAGES = ("api",)
XDIST_VERSIONS = ("3.8.",)  # the releases whose LoadScopeScheduling._split_scope this overrides


def group_of(nodeid):
    """(group, rank) of a test: tests of one group share a worker; lower ranks are scheduled first.
    The group is None for a test that may run anywhere."""
    package, _, module = nodeid.partition("::")[0].removeprefix("tests/").partition("/")
    if package in WHOLE_PACKAGES:
        return package, WHOLE_PACKAGES.index(package)
    if package in SPREAD_PACKAGES or not module:
        return None, len(WHOLE_PACKAGES) + 1
    return f"{package}/{module}", len(WHOLE_PACKAGES)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The longest groups first (a stable sort: collection order within a rank). xdist's scheduler
    hands out groups in collection order."""
    items.sort(key=lambda item: group_of(item.nodeid)[1])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    installed = version("pytest-xdist")
    if not installed.startswith(XDIST_VERSIONS):
        raise pytest.UsageError(f"testkit/workers.py groups tests for pytest-xdist {XDIST_VERSIONS}, "
                                f"not {installed}: check LoadScopeScheduling._split_scope, then update it")

    # Hand the groups out in collection order (longest first, see above), not xdist's default of the
    # most tests first, which started compose-up (7 tests, two minutes) after half the run.
    config.option.loadscopereorder = False

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return group_of(nodeid)[0] or nodeid

    return GroupScheduling(config, log)


_PROGRESS = "cruddur_progress_file"  # the workerinput key: where a worker appends its progress lines


class _ProgressRelay:
    """The controller's side: workers append lines to one file, and a thread copies each new line to the
    controller's standard error as it arrives (the controller's own stream, so a CI log keeps its order)."""

    def __init__(self):
        descriptor, self.path = tempfile.mkstemp(prefix="cruddur-progress-", suffix=".log")
        os.close(descriptor)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._copy, name="cruddur-progress", daemon=True)
        self._thread.start()

    def _copy(self):
        with open(self.path) as lines:
            while True:
                stopping = self._stop.is_set()  # read before the last pass, so nothing is left behind
                for line in iter(lines.readline, ""):
                    sys.stderr.write(line)
                    sys.stderr.flush()
                if stopping:
                    return
                self._stop.wait(0.2)

    def close(self):
        self._stop.set()
        self._thread.join(timeout=10)
        os.unlink(self.path)


_relay = None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """pytest-xdist's controller, for each worker it starts: where that worker's progress lines go."""
    global _relay
    if _relay is None:
        _relay = _ProgressRelay()
        atexit.register(_relay.close)  # after the run's last line: copies what is left, removes the file
    node.workerinput[_PROGRESS] = _relay.path


def progress_line(config, text):
    """Print `text` on the run's terminal at once, past pytest's capture, for long set-up work (a cold
    compose-up build takes minutes). A pytest-xdist worker's own output is captured and never shown: a
    worker appends the line to its controller's relay file (one write, so lines never interleave)."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        with open(workerinput[_PROGRESS], "a") as relay:
            relay.write(f"\n[{workerinput['workerid']}] {text}\n")
        return
    capture = config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n{text}", flush=True)
