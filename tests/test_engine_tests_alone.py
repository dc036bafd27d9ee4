"""Engine tests do not bind to the shipped method (issue 13, point 10).

The engine's mechanics (gates, evidence, planning, re-planning, committees' cadence, stage
work, records and versions, history, decisions, deadlines, caches...) are
tested on small synthetic definitions in tests/definitions/; the guide's own rules (what
workflows/cress-disp.yaml and actice.yaml require, the demo) on the shipped definitions.
A file of ENGINE may still hold a test of the guide's rules: it is marked ``method``.

The guard runs the files of ENGINE, without their ``method`` tests, in a pytest whose
shipped workflows folder (tests/conftest.py ``WORKFLOWS``) is a copy of workflows/
without cress-disp.yaml: a test there that creates a site of the shipped method, walks
it to one of its stages or reads the file fails. To show the guard can fail, the same
run of tests/engine_probe.py (a test that makes a site with the default workflow) must fail.

The classification below is the survey of issue 13, point 10: ENGINE (moved, guarded),
ENGINE_NOT_YET_MOVED (engine mechanics still on the shipped method: each is to be rewritten
on tests/definitions/ and moved to ENGINE), METHOD, and FACES (the web pages on the shipped
method). Files that read no definition (inputs, refusals, translations, lint, imports, mail,
sign-in, programmes) and the files other helpers own (tests/test_cli*.py, test_browser*.py,
tests/reliability/...) are in none.
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
    "tests/test_after_opening.py",
    "tests/test_applicants.py",
    "tests/test_budget.py",
    "tests/test_caches.py",
    "tests/test_call_relaunch.py",
    "tests/test_calls.py",
    "tests/test_case_insensitive.py",
    "tests/test_decision_rules.py",
    "tests/test_diagnostic.py",
    "tests/test_diagnostic_evidence.py",
    "tests/test_diagnostic_hypotheses.py",
    "tests/test_documents.py",
    "tests/test_evidence.py",
    "tests/test_ics.py",
    "tests/test_lifecycles.py",
    "tests/test_meeting_proposals.py",
    "tests/test_minutes_and_decisions.py",
    "tests/test_next_steps.py",
    "tests/test_planning.py",
    "tests/test_portfolio.py",
    "tests/test_record_check.py",
    "tests/test_record_portfolio.py",
    "tests/test_replanning.py",
    "tests/test_score_sheets.py",
    "tests/test_site_versions.py",
    "tests/test_stage_durations.py",
    "tests/test_stage_machine.py",
    "tests/test_stages.py",
    "tests/test_support.py",
    "tests/test_team_file.py",
    "tests/test_workdays.py",
    "tests/reminders/test_call_closing_deadline.py",
    "tests/reminders/test_feed_parts_kept.py",
    "tests/reminders/test_feed_versions.py",
    "tests/reminders/test_feeds.py",
    "tests/reminders/test_holds.py",
    "tests/reminders/test_outbox_sweep.py",
    "tests/reminders/test_personal_lists.py",
    "tests/reminders/test_reminder_rules.py",
    "tests/reminders/test_reply_and_unsubscribe.py",
    "tests/reminders/test_weekly_digest.py",
    "tests/reminders/test_worker_cli.py",
)

#: engine mechanics still run on workflows/cress-disp.yaml (to move, then to list in ENGINE):
#: none left
ENGINE_NOT_YET_MOVED = ()

#: the guide's own rules, the shipped definitions and the demo: they stay on workflows/
METHOD = (
    "tests/test_committees_demo.py",
    "tests/test_csv_exports.py",
    "tests/test_definitions.py",  # the loader's checks on tiny.yaml, the shipped files' content on workflows/
    "tests/test_french_pages.py",
    "tests/test_packaging.py",
    "tests/test_portfolio_summary.py",
    "tests/test_programme_definitions.py",
    "tests/test_programmes_demo.py",
    "tests/test_serve.py",
    "tests/test_stage_work_cli.py",
    "tests/test_vocabulary.py",
)

#: the web pages, tested on sites of the shipped method (tests/web_fixtures.py ``site_in``) and
#: the demo: neither engine mechanics nor the guide's rules; not moved (a page tested on a
#: synthetic definition needs an app whose folders hold it, as tests/test_replanning.py does)
FACES = (
    "tests/test_web.py",
    "tests/test_web_access.py",
    "tests/test_web_applicants.py",
    "tests/test_web_emails.py",
    "tests/test_web_meetings.py",
    "tests/test_web_next_steps.py",
    "tests/test_web_records.py",
    "tests/test_web_site_page.py",
    "tests/test_web_work.py",
)


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


def test_each_classified_test_file_exists_and_is_classified_once():
    files = ENGINE + ENGINE_NOT_YET_MOVED + METHOD + FACES
    assert len(files) == len(set(files))
    assert all((REPO / f).is_file() for f in files), [f for f in files if not (REPO / f).is_file()]
