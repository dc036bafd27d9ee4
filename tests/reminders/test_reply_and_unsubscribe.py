"""Replies to a meeting's e-mail reach a person (Reply-To), and every reminder and digest
can be stopped in one click (List-Unsubscribe, RFC 8058) or from the preferences page,
which needs no account: its link carries a signed token of the address. On
tests/definitions/committees.yaml (a meeting of its board)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from setupflow.accounts import operations as accounts
from setupflow.cli import cli
from setupflow.cli.common import run_cli
from setupflow.reminders import unsubscribe
from setupflow.reminders.models import MailPreference, Reminder

from mailtools import smtp_env


@pytest.fixture
def run(sqlite_db, smtp, monkeypatch):
    def invoke(*args):
        for key, value in smtp_env(sqlite_db, smtp.port).items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("SETUPFLOW_SECRET_KEY", "un-secret-de-test")
        with CliRunner().isolation() as (out, err, *_):
            return run_cli(cli, list(args)), out.getvalue().decode(), err.getvalue().decode()
    return invoke


def test_a_meeting_email_answers_to_the_invitations_holder_and_a_reminder_can_be_stopped(
        run, session, make_site, team, meeting, smtp, now):
    site = make_site(workflow="committees")
    ana = team(site, "Ana Fictive", "ana@ep.test", "ep")
    bob = team(site, "Bob Fictif", "bob@cress.test", "cress")
    meeting(site, "2027-03-10T14:00", roles={"invitations": bob, "agenda": ana})
    code, _, err = run("worker", "--once", "--now", "2027-03-09T09:00")
    assert code == 0, err
    by_subject = {(m["To"], m["Subject"].split("\u00a0:")[0].split(" :")[0]): m for m in smtp.messages}
    invitation = by_subject[("Ana Fictive <ana@ep.test>", "Invitation")]
    assert invitation["Reply-To"] == "Bob Fictif <bob@cress.test>"
    assert "List-Unsubscribe" not in invitation  # an invitation always goes
    tomorrow = by_subject[("Ana Fictive <ana@ep.test>", "Demain")]
    assert tomorrow["Reply-To"] == "Bob Fictif <bob@cress.test>"
    url = str(tomorrow["List-Unsubscribe"]).strip().strip("<>")
    assert url.startswith("https://setupflow.test/preferences/") and url.endswith("?stop=meeting_tomorrow")
    assert tomorrow["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = url.split("/preferences/", 1)[1].split("?", 1)[0]
    assert unsubscribe.token_email(token, "un-secret-de-test") == "ana@ep.test"
    assert unsubscribe.token_email(token, "un-autre-secret") is None
    assert unsubscribe.token_email(token[:-1] + ("0" if token[-1] != "0" else "1"), "un-secret-de-test") is None


def test_without_an_invitations_holder_the_sites_lead_answers(session, make_site, team, meeting, now):
    from setupflow.reminders.operations import plan_site

    site = make_site(workflow="committees")
    team(site, "Ana Fictive", "ana@ep.test", "ep")
    accounts.create_user(session, email="lead@ep.test", role="lead", password="un-mot-de-passe-long", now=now,
                         display_name="Léa Pilote", site_ids=(site.id,))
    meeting(site, "2027-03-10T14:00")
    plan_site(session, site, now)
    row = session.query(Reminder).filter_by(rule="invitation").first()
    assert row.context["reply_to"] == ["lead@ep.test", "Léa Pilote"]


def test_a_stopped_kind_is_withdrawn_and_no_longer_planned(session, make_site, team, meeting, now):
    from setupflow.reminders.operations import plan_site

    site = make_site(workflow="committees")
    team(site, "Ana Fictive", "ana@ep.test", "ep")
    meeting(site, "2027-03-10T14:00")
    plan_site(session, site, now)
    unsubscribe.save_preferences(session, "Ana@ep.test", now, stop="meeting_tomorrow")
    plan_site(session, site, now)
    session.commit()
    states = {r.template: r.state for r in session.query(Reminder).filter_by(recipient="ana@ep.test")}
    assert states["meeting_tomorrow"] == "withdrawn" and states["meeting_invitation"] == "pending"
    assert session.query(MailPreference).one().stopped == ["meeting_tomorrow"]
