"""The suite drops the caller's Cruddur settings, and keeps the harness's own variables: a cold run
that points compose-up at new state and cache folders must get them (docs/compose-up.md)."""
import os
import subprocess
import sys

from testkit.paths import ROOT

PROBE = ("import tests.conftest, os; from tests.compose_up import engine; from testkit import go_programs; "
         "print(engine.STATE, engine.CACHE, go_programs.CACHE, os.environ.get('CRUDDUR_FAULTS'))")


def test_compose_up_state_and_cache_reach_the_engine_and_the_go_builds(tmp_path):
    env = {**os.environ, "CRUDDUR_COMPOSE_UP_STATE": str(tmp_path / "state"),
           "CRUDDUR_COMPOSE_UP_CACHE": str(tmp_path / "cache"), "CRUDDUR_FAULTS": "home_activities:error"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    state, cache, go_cache, faults = done.stdout.split()
    assert (state, cache, go_cache) == (str(tmp_path / "state"), str(tmp_path / "cache"),
                                        str(tmp_path / "cache" / "go"))
    assert faults == "None"  # a Cruddur setting from the shell is still dropped
