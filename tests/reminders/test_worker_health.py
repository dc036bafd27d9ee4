"""A worker that stopped, or that runs but fails at every turn, shows: each job run
leaves its outcome, and an administrator (notifications page, `setupflow outbox status`)
sees whether sending and planning work, on SQLite and on PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from setupflow.cli import cli
from setupflow.cli.common import run_cli
from setupflow.reminders.health import LATE_AFTER, note_run, worker_health
from setupflow.reminders.worker import Worker

from mailtools import free_port, smtp_env
from test_worker_processes import DUE, fill_outbox
from web_fixtures import admin_and_cress


def states(db, now=None) -> dict[str, str]:
    with db.factory() as session:
        return {j.job: j.state for j in worker_health(session, now or datetime.now(timezone.utc))}


def health_of(db, job):
    with db.factory() as session:
        return next(j for j in worker_health(session, datetime.now(timezone.utc)) if j.job == job)


def status_cli(db, monkeypatch, *args) -> tuple[int, str]:
    for key, value in smtp_env(db, None).items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    with runner.isolation() as (out, _err, *_):
        code = run_cli(cli, ["outbox", "status", *args])
        return code, out.getvalue().decode()


def test_before_any_worker_ran_both_jobs_show_never_and_the_probe_fails(any_db, monkeypatch):
    assert states(any_db) == {"sweep": "never", "plan": "never"}
    code, out = status_cli(any_db, monkeypatch)
    assert code == 1 and out.count("no worker has run it against this database") == 2


def test_a_worker_that_delivers_shows_working_and_the_probe_passes(any_db, smtp, monkeypatch):
    fill_outbox(any_db, 2)
    settings = any_db.settings(smtp_host="127.0.0.1", smtp_port=smtp.port, mail_sender="setupflow <r@setupflow.test>")
    with Worker(settings) as worker:
        worker.once(DUE)
    assert len(smtp.messages) == 2
    assert states(any_db) == {"sweep": "ok", "plan": "ok"}
    code, out = status_cli(any_db, monkeypatch)
    assert code == 0 and out.count(" ok ") == 2, out


def test_smtp_down_shows_sending_failing_with_its_cause_until_a_delivery_succeeds(any_db, smtp):
    fill_outbox(any_db, 2)
    down = any_db.settings(smtp_host="127.0.0.1", smtp_port=free_port(), mail_sender="setupflow <r@setupflow.test>")
    with Worker(down) as worker:
        worker.once(DUE)
        worker.noted("sweep", worker.sweep, DUE + timedelta(hours=1))
    failing = health_of(any_db, "sweep")
    assert (failing.state, failing.failures) == ("failing", 2)
    assert "2 message(s) failed and none was delivered" in failing.last_error
    assert states(any_db)["plan"] == "ok"  # planning itself works

    up = any_db.settings(smtp_host="127.0.0.1", smtp_port=smtp.port, mail_sender="setupflow <r@setupflow.test>")
    with Worker(up) as worker:
        worker.noted("sweep", worker.sweep, DUE + timedelta(days=1))
    assert len(smtp.messages) == 2
    ok = health_of(any_db, "sweep")
    assert (ok.state, ok.failures) == ("ok", 0)


def test_without_smtp_configured_sending_shows_failing_and_says_why(any_db):
    fill_outbox(any_db, 1)
    with Worker(any_db.settings(smtp_host=None)) as worker:
        worker.once(DUE)
    held = health_of(any_db, "sweep")
    assert held.state == "failing" and "no SMTP server is configured" in held.last_error


def test_a_job_that_raises_shows_failing_with_its_error_and_the_error_still_propagates(any_db):
    def broken(_now):
        raise RuntimeError("the database refused the connection")

    with Worker(any_db.settings()) as worker:
        with pytest.raises(RuntimeError):
            worker.noted("plan", broken, DUE)
    plan = health_of(any_db, "plan")
    assert plan.state == "failing" and plan.last_error == "RuntimeError: the database refused the connection"
    assert plan.last_ok_dt is None and plan.failures == 1


def test_a_worker_that_stopped_shows_late_once_its_job_has_not_succeeded_for_a_while(any_db):
    ran = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    note_run(any_db.factory, "sweep", ran)
    note_run(any_db.factory, "plan", ran)
    assert states(any_db, ran + LATE_AFTER["sweep"]) == {"sweep": "ok", "plan": "ok"}
    assert states(any_db, ran + LATE_AFTER["sweep"] + timedelta(minutes=1)) == {"sweep": "late", "plan": "ok"}
    assert states(any_db, ran + LATE_AFTER["plan"] + timedelta(minutes=1)) == {"sweep": "late", "plan": "late"}


def test_an_administrator_sees_the_worker_on_the_notifications_page_and_others_do_not(any_db, tmp_path, now):
    note_run(any_db.factory, "sweep", now - timedelta(minutes=2))
    note_run(any_db.factory, "plan", now - timedelta(minutes=1), "planning failed for 1 site(s); see the worker's log")
    admin, cress = admin_and_cress(any_db, tmp_path, now)
    page = admin.get("/notifications").get_data(as_text=True)
    worker = page.split('id="worker-health"')[1].split("</ul>")[0]
    assert 'data-job="sweep" data-state="ok"' in worker and "fonctionne" in worker
    assert 'data-job="plan" data-state="failing"' in worker and "planning failed for 1 site(s)" in worker
    assert 'id="worker-health"' not in cress.get("/notifications").get_data(as_text=True)


def test_successes_in_a_row_are_written_every_few_minutes_and_a_failure_or_recovery_at_once(any_db):
    from setupflow.reminders.sweep import SweepResult

    def idle(_now):
        return SweepResult()

    def refused(_now):
        return SweepResult(failed=3)

    with Worker(any_db.settings()) as worker:
        worker.noted("sweep", idle, DUE)
        first = health_of(any_db, "sweep").last_ok_dt
        worker.noted("sweep", idle, DUE)  # an idle minute later: a read only, nothing written
        assert health_of(any_db, "sweep").last_ok_dt == first
        worker.noted("sweep", refused, DUE)
        assert health_of(any_db, "sweep").state == "failing"
        worker.noted("sweep", idle, DUE)  # the recovery shows at once
        recovered = health_of(any_db, "sweep")
        assert recovered.state == "ok" and recovered.last_ok_dt > first and recovered.failures == 0


def test_the_probe_says_when_a_job_has_never_succeeded(any_db, monkeypatch):
    note_run(any_db.factory, "sweep", datetime.now(timezone.utc), "no SMTP server is configured (SETUPFLOW_SMTP_HOST)")
    code, out = status_cli(any_db, monkeypatch)
    assert code == 1
    assert "sweep  failing  1 run(s) failed and none has succeeded yet; last at " in out
    assert out.rstrip().endswith("no worker has run it against this database (start `setupflow worker`)")
