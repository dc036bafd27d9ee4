"""Engine tests do not bind to the shipped method (issue 13, point 10).

The engine's mechanics (gates, evidence, planning, re-planning, committees' cadence,
reminder rules, records and versions, history, decisions, deadlines, caches...) are
tested on small synthetic definitions in tests/definitions/; the guide's own rules (what
workflows/cress-disp.yaml and actice.yaml require, the demo) on the shipped definitions.
A file of ENGINE may still hold a test of the guide's rules: it is marked ``method``.

The guard runs the files of ENGINE, without their ``method`` tests, in a pytest whose
shipped workflows folder (tests/conftest.py ``WORKFLOWS``) is a copy of workflows/
without cress-disp.yaml: a test there that creates a site of the shipped method, walks
it to one of its stages or reads the file fails. To show the guard can fail, the same
run of tests/engine_probe.py (a test that makes a site with the default workflow) must fail.

Not yet moved (engine tests still on the shipped method; see the classification below):
each is to be rewritten on tests/definitions/ and added to ENGINE.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO

#: engine mechanics on tests/definitions/ (a test of the guide's own rules in one of them is
#: marked ``method``)
ENGINE = (
    "tests/test_accounts.py",
    "tests/test_budget.py",
    "tests/test_caches.py",
    "tests/test_decision_rules.py",
    "tests/test_diagnostic.py",
    "tests/test_diagnostic_evidence.py",
    "tests/test_diagnostic_hypotheses.py",
    "tests/test_case_insensitive.py",
    "tests/test_evidence.py",
    "tests/test_ics.py",
    "tests/test_lifecycles.py",
    "tests/test_meeting_proposals.py",
    "tests/test_minutes_and_decisions.py",
    "tests/test_next_steps.py",
    "tests/test_planning.py",
    "tests/test_replanning.py",
    "tests/test_site_versions.py",
    "tests/test_stage_durations.py",
    "tests/test_stage_machine.py",
    "tests/test_stages.py",
    "tests/test_support.py",
    "tests/test_team_file.py",
    "tests/test_workdays.py",
)

#: engine mechanics still run on workflows/cress-disp.yaml (to move, then to list in ENGINE)
ENGINE_NOT_YET_MOVED = ()

#: the guide's own rules, the demo and the faces shown on the shipped method: they stay there
METHOD = ()


def _run(paths, tmp_path):
    shipped = tmp_path / "workflows"
    shutil.copytree(REPO / "workflows", shipped, ignore=shutil.ignore_patterns("cress-disp.yaml"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "SETUPFLOW_TEST_POSTGRES"))}
    env["SETUPFLOW_TEST_WORKFLOWS"] = str(shipped)
    env.pop("CI", None)  # the run below is SQLite only: no PostgreSQL server is asked for
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         "-m", "not method and not postgres", "--basetemp", str(tmp_path / "run"), *paths],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_the_engine_tests_pass_without_the_shipped_method(tmp_path):
    done = _run(ENGINE, tmp_path)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " error" not in done.stdout


@pytest.mark.slow
def test_an_engine_test_that_reads_the_shipped_method_fails_there(tmp_path):
    done = _run(["tests/engine_probe.py"], tmp_path)
    assert done.returncode == 1 and "1 failed" in done.stdout, done.stdout[-4000:] + done.stderr[-2000:]
    assert "cress-disp" in done.stdout


def test_every_test_file_is_classified_once():
    """A new test file says which kind it is by being listed (engine or method)."""
    files = ENGINE + ENGINE_NOT_YET_MOVED + METHOD
    assert len(files) == len(set(files))
    assert all((REPO / f).is_file() for f in files), [f for f in files if not (REPO / f).is_file()]
