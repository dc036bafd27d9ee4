"""The weekly digest end to end: `setupflow worker --once --now` on a Monday at 08:00
sends each person who wants it one e-mail with the next steps of all their sites, through
the outbox and the SMTP server on loopback; on the Tuesday, and on a second Monday run,
nothing more; nobody gets one when nothing is due on their sites. On
tests/definitions/committees.yaml (its board, "Comité de test"; its kick-off task carried by
the Cress)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from setupflow.accounts import operations as accounts
from setupflow.cli import cli
from setupflow.cli.common import run_cli
from setupflow.clock import parse_instant as paris
from setupflow.reminders import weekly
from setupflow.reminders.models import MailPreference

from mailtools import smtp_env

SUBJECT = "setupflow\u00a0: vos prochaines étapes de la semaine"


@pytest.fixture
def run(sqlite_db, smtp, monkeypatch):
    def invoke(*args):
        for key, value in smtp_env(sqlite_db, smtp.port).items():
            monkeypatch.setenv(key, value)
        runner = CliRunner()
        with runner.isolation() as (out, err, *_):
            code = run_cli(cli, list(args))
            return code, out.getvalue().decode(), err.getvalue().decode()
    return invoke


def digests(smtp):
    return [m for m in smtp.messages if m["Subject"] in (SUBJECT, "setupflow: your next steps this week")]


def body(msg) -> str:
    return msg.get_body(("plain",)).get_content()


def test_monday_at_eight_one_digest_per_person_whatever_their_sites_then_none(
        run, session, make_site, walk, team, meeting, smtp, manager, now):
    from setupflow.committees.minutes import save_minutes
    from setupflow.committees.models import Meeting

    kerlann = make_site(name="Atelier de Kerlann", workflow="committees")
    tilleuls = make_site(name="Blanchisserie des Tilleuls", workflow="committees")
    vilaine = walk(make_site(name="Atelier de la Vilaine", workflow="committees", opening="2027-09-01"), "done")
    from setupflow.committees.minutes import minutes_version

    for held in session.scalars(select(Meeting).where(Meeting.site_id == vilaine.id)).all():
        if not minutes_version(session, held):  # the walk's meetings, written up (some already are)
            save_minutes(session, held, "Compte rendu (fictif).", 0, manager, now)
    lead_k = team(kerlann, "Yannick Fictif", "lead@ep.test", "ep")
    team(tilleuls, "Yannick Fictif", "lead@ep.test", "ep")
    team(kerlann, "Bob Fictif", "bob@cress.test", "cress")  # no account, no preference: no digest
    team(vilaine, "Carole Fictive", "carole@ep.test", "ep")  # wants it, but nothing is due at the Vilaine
    team(kerlann, "Eve Fictive", "eve@spip.test", "spip", language="en")  # a lead who stopped it
    meeting(kerlann, "2027-03-16T14:00", roles={"agenda": lead_k})
    for email in ("lead@ep.test", "eve@spip.test"):
        accounts.create_user(session, email=email, role="lead", password="un-mot-de-passe-long", now=now)
    session.add(MailPreference(email="carole@ep.test", weekly_digest=True, updated_dt=now))
    session.add(MailPreference(email="eve@spip.test", stopped=["weekly_digest"], updated_dt=now))
    session.commit()

    code, _, err = run("worker", "--once", "--now", "2027-03-08T07:59")
    assert code == 0, err
    assert digests(smtp) == []  # Monday, but before 08:00

    code, out, err = run("worker", "--once", "--now", "2027-03-08T08:00")
    assert code == 0, err
    sent = digests(smtp)
    assert [m["To"] for m in sent] == ["Yannick Fictif <lead@ep.test>"]
    text = body(sent[0])
    assert "== Atelier de Kerlann ==" in text and "== Blanchisserie des Tilleuls ==" in text
    assert "Prochaine réunion\u00a0: Comité de test, le mardi 16 mars 2027, dans 8 jours" in text
    assert "Avant la réunion\u00a0: envoyer l'ordre du jour (Yannick Fictif)" in text
    assert f"https://setupflow.test/sites/{kerlann.id}/meetings/" in text
    assert "Lancement fait (porté d'ordinaire par\u00a0: Cress)" in text

    for when in ("2027-03-08T08:00", "2027-03-08T17:00", "2027-03-09T09:00"):
        code, _, err = run("worker", "--once", "--now", when)
        assert code == 0, err
    assert len(digests(smtp)) == 1  # the same Monday again, then the Tuesday: nothing more


def test_the_digest_is_due_on_monday_morning_only(now):
    assert weekly.send_instant(paris("2027-03-08T08:00")) == paris("2027-03-08T08:00")
    assert weekly.send_instant(paris("2027-03-08T23:30")) == paris("2027-03-08T08:00")
    assert weekly.send_instant(paris("2027-03-08T07:59")) is None
    assert weekly.send_instant(paris("2027-03-09T08:00")) is None


def test_who_wants_it_by_default_and_by_preference(now):
    assert weekly.wants_weekly(None, "lead") and not weekly.wants_weekly(None, "cress")
    assert not weekly.wants_weekly(None, None)
    assert weekly.wants_weekly(MailPreference(weekly_digest=True), None)
    assert not weekly.wants_weekly(MailPreference(weekly_digest=False), "lead")
    assert not weekly.wants_weekly(MailPreference(weekly_digest=True, stopped=["weekly_digest"]), "lead")

