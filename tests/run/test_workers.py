"""bin/test's pytest-xdist workers (testkit/workers.py), on a small project laid out like tests/: a package
that holds one stack runs whole on one worker, so does each module, and a worker's progress line reaches
the run's terminal while the run goes on."""
import json
import subprocess
import sys

from .fake_path import ROOT

CONFTEST = ("from testkit.workers import pytest_collection_modifyitems, pytest_configure_node, "
            "pytest_xdist_make_scheduler  # noqa: F401\n")
RECORD = """import json, os, pathlib

def record(name):
    with open(pathlib.Path(__file__).parents[1] / "seen.jsonl", "a") as out:
        out.write(json.dumps([name, os.environ["PYTEST_XDIST_WORKER"]]) + "\\n")
"""
TESTS = """from tests.record import record
{body}
""" + "".join(f"\ndef test_{i}():\n    record(__name__ + '.{i}')\n" for i in range(6))


def _run(tmp_path, files, workers=3, **output):
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "__init__.py").write_text("")
    (tmp_path / "tests" / "record.py").write_text(RECORD)
    for name, body in files.items():
        path = tmp_path / "tests" / name
        path.parent.mkdir(exist_ok=True)
        (path.parent / "__init__.py").write_text("")
        path.write_text(TESTS.format(body=body))
    result = subprocess.run([sys.executable, "-m", "pytest", "-c", str(ROOT / "pytest.ini"), "--rootdir",
                             str(tmp_path), "-q", "-n", str(workers), "tests"], cwd=tmp_path, text=True, timeout=180,
                            **(output or {"capture_output": True}))
    assert result.returncode == 0, (result.stdout or "") + (result.stderr or "")
    seen = [json.loads(line) for line in (tmp_path / "seen.jsonl").read_text().splitlines()]
    return result, seen


def test_a_stack_package_and_each_module_run_whole_on_one_worker(tmp_path):
    _, seen = _run(tmp_path, {"topology/test_one.py": "", "topology/test_two.py": "",
                              "reliability/test_a.py": "", "reliability/test_b.py": ""})
    workers = {}
    for name, worker in seen:
        package, module = name.split(".")[1:3]
        workers.setdefault(package if package == "topology" else f"{package}.{module}", set()).add(worker)
    assert len(seen) == 24
    assert workers.keys() == {"topology", "reliability.test_a", "reliability.test_b"}
    assert all(len(on) == 1 for on in workers.values()), workers


def test_the_stack_packages_are_handed_out_first(tmp_path):
    """On one worker the run order is the order groups are handed out: the stack package (6 tests) before
    a module with more tests (9), which xdist's own load-scope order would have put first."""
    more = "".join(f"\ndef test_more_{i}():\n    record(__name__ + '.more{i}')\n" for i in range(3))
    _, seen = _run(tmp_path, {"reliability/test_big.py": more, "topology/test_small.py": ""}, workers=1)
    assert [name.split(".")[1] for name, _ in seen] == ["topology"] * 6 + ["reliability"] * 9


def test_a_workers_progress_line_reaches_the_terminal(tmp_path):
    body = ("from testkit.workers import progress_line\n\n"
            "def test_progress(pytestconfig):\n    progress_line(pytestconfig, 'building the images')\n")
    result, _ = _run(tmp_path, {"compose_up/test_up.py": body})
    [line] = [line for line in result.stderr.splitlines() if "building the images" in line]
    assert line.startswith("[gw") and line.endswith("] building the images")


def test_a_progress_line_keeps_what_the_run_wrote_before_it_in_a_log_file(tmp_path):
    """CI sends the run's output to a file: the worker's line is appended to it, never written over it."""
    body = ("from testkit.workers import progress_line\n\n"
            "def test_progress(pytestconfig):\n    progress_line(pytestconfig, 'building the images')\n")
    log = tmp_path / "run.log"
    with open(log, "w") as out:
        out.write("earlier output\n")
        out.flush()
        _run(tmp_path, {"compose_up/test_up.py": body}, stdout=out, stderr=out)
    text = log.read_bytes()
    assert text.startswith(b"earlier output\n") and b"\0" not in text
    assert b"] building the images" in text and b"passed" in text
