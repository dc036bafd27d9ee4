"""`setupflow worker --once --now ...` as cron would run it, against SMTP on loopback. On
tests/definitions/committees.yaml (its board invites two weeks ahead; the agenda is due a
week before; the day-before reminder goes at 08:00): the command line reads that folder too."""
from __future__ import annotations

import json
import os

import icalendar
import pytest
from click.testing import CliRunner

from setupflow.cli import cli
from setupflow.cli.common import run_cli
from setupflow.clock import parse_instant as paris

from mailtools import smtp_env
from tests.conftest import DEFINITIONS, WORKFLOWS


@pytest.fixture
def run(sqlite_db, smtp, monkeypatch):
    def invoke(*args, smtp_on=True):
        for key, value in smtp_env(sqlite_db, smtp.port if smtp_on else None).items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("SETUPFLOW_WORKFLOWS_DIR", f"{WORKFLOWS}{os.pathsep}{DEFINITIONS}")
        if not smtp_on:
            monkeypatch.delenv("SETUPFLOW_SMTP_HOST", raising=False)
        runner = CliRunner()
        with runner.isolation() as (out, err, *_):
            code = run_cli(cli, list(args))
            return code, out.getvalue().decode(), err.getvalue().decode()

    return invoke


def event_of(msg):
    part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    return icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]


def test_worker_once_delivers_exactly_what_is_due_then_nothing(run, session, make_site, team, meeting, smtp):
    site = make_site(name="Atelier fictif de Lanvaux", workflow="committees")
    ana = team(site, "Ana Fictive", "ana@ep.test", "ep")
    team(site, "Bob Fictif", "bob@cress.test", "cress")
    m = meeting(site, "2027-03-10T14:00", roles={"agenda": ana})

    code, out, err = run("worker", "--once", "--now", "2027-03-09T09:00")
    assert code == 0, err
    delivered = sorted((msg["To"], msg["Subject"].split(" :")[0]) for msg in smtp.messages)
    assert delivered == [
        ("Ana Fictive <ana@ep.test>", "Demain"),
        ("Ana Fictive <ana@ep.test>", "Invitation"),
        ("Ana Fictive <ana@ep.test>", "Ordre du jour à préparer"),
        ("Bob Fictif <bob@cress.test>", "Demain"),
        ("Bob Fictif <bob@cress.test>", "Invitation"),
    ]
    assert "sent: 5," in out

    code, out, _ = run("worker", "--once", "--now", "2027-03-09T09:00")
    assert code == 0 and "sent: 0," in out and len(smtp.messages) == 5

    # the meeting moves (what `setupflow meetings move` does): the next run sends an update
    invitation = next(msg for msg in smtp.messages if msg["Subject"].startswith("Invitation"))
    m.starts_dt, m.sequence, m.updated_dt = paris("2027-03-09T16:00"), m.sequence + 1, paris("2027-03-09T09:30")
    session.commit()
    code, out, _ = run("worker", "--once", "--now", "2027-03-09T09:40")
    updates = smtp.messages[5:]
    assert code == 0 and len(updates) == 2
    before, after = event_of(invitation), event_of(updates[0])
    assert str(after["UID"]) == str(before["UID"]) == m.uid
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1


def test_without_smtp_the_worker_warns_and_the_outbox_lists_what_waits(run, make_site, team, meeting):
    site = make_site(workflow="committees")
    team(site, "Ana Fictive", "ana@ep.test", "ep")
    meeting(site, "2027-03-10T14:00")
    code, out, err = run("worker", "--once", "--now", "2027-03-09T09:00", smtp_on=False)
    assert code == 0
    assert "SETUPFLOW_SMTP_HOST is not set" in err
    assert "held unsent: 2" in out
    code, out, _ = run("outbox", "list", "--state", "pending", "--json", smtp_on=False)
    rows = json.loads(out)
    assert {(r["rule"], r["recipient"]) for r in rows} >= {("invitation", "ana@ep.test"),
                                                           ("day_before", "ana@ep.test")}


def test_now_without_once_is_refused(run):
    code, _, err = run("worker", "--now", "2027-03-09T09:00")
    assert code == 2 and "--now: only with --once" in err


def test_feeds_are_created_and_revoked_from_the_command_line(run, session, make_site, meeting):
    from setupflow.reminders.feeds import feed_for_token

    site = make_site(workflow="committees")
    meeting(site, "2027-03-10T14:00")
    code, out, err = run("feeds", "create", "--site", str(site.id))
    assert code == 0, err
    url = out.strip()
    assert url.startswith("https://setupflow.test/feeds/") and url.endswith(".ics")
    token = url.rpartition("/")[2].removesuffix(".ics")
    assert feed_for_token(session, token, paris("2027-01-04T10:00"))
    code, out, _ = run("feeds", "revoke", url)
    assert code == 0 and "revoked" in out
    code, _, err = run("feeds", "revoke", token)
    assert code == 2 and "No such feed, or it was revoked." in err


def test_end_to_end_with_the_committee_commands(run, smtp):
    """The acceptance run: a board meeting on 10 March 2027 at 14:00 with two members."""
    code, out, err = run("site", "create", "--name", "Atelier fictif de Kerbrat", "--workflow", "committees",
                         "--start", "2027-01-04", "--opening", "2029-01-01")
    assert code == 0, err
    site_id = next(word for word in out.replace(":", " ").split() if word.isdigit())
    people = []
    for name, email, org in (("Lou Fictive", "lou@ep.test", "ep"), ("Sam Fictif", "sam@cress.test", "cress")):
        code, out, err = run("people", "add", site_id, "--name", name, "--email", email, "--organisation", org,
                             "--committee", "board", "--json")
        assert code == 0, err
        people.append(json.loads(out)["id"])
    code, out, err = run("meetings", "schedule", site_id, "--committee", "board", "--at", "2027-03-10T14:00",
                         "--json")
    assert code == 0, err
    meeting_id = str(json.loads(out)["id"])
    code, _, err = run("meetings", "role", meeting_id, "agenda", str(people[0]))
    assert code == 0, err

    code, out, err = run("worker", "--once", "--now", "2027-03-09T09:00")
    assert code == 0, err
    first = sorted((m["To"], m["Subject"].split(" :")[0]) for m in smtp.messages)
    assert first == [("Lou Fictive <lou@ep.test>", "Demain"), ("Lou Fictive <lou@ep.test>", "Invitation"),
                     ("Lou Fictive <lou@ep.test>", "Ordre du jour à préparer"),
                     ("Sam Fictif <sam@cress.test>", "Demain"), ("Sam Fictif <sam@cress.test>", "Invitation")]
    code, out, _ = run("worker", "--once", "--now", "2027-03-09T09:00")
    assert code == 0 and len(smtp.messages) == 5

    code, _, err = run("meetings", "move", meeting_id, "--at", "2027-03-11T10:00")
    assert code == 0, err
    code, out, err = run("worker", "--once", "--now", "2027-03-09T09:05")
    assert code == 0, err
    updates = smtp.messages[5:]
    assert sorted(m["Subject"].split(" :")[0] for m in updates) == ["Réunion modifiée"] * 2
    invitation = next(m for m in smtp.messages if m["Subject"].startswith("Invitation"))
    before, after = event_of(invitation), event_of(updates[0])
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") == paris("2027-03-11T10:00")


def test_an_address_chooses_a_daily_digest_from_the_command_line(run, session):
    from setupflow.reminders.models import MailPreference

    code, out, _ = run("outbox", "digest", "Ana@EP.test", "--at", "7:30")
    assert code == 0 and "ana@ep.test: one digest a day at 07:30" in out
    assert session.query(MailPreference).one().is_digest
    code, _, err = run("outbox", "digest", "ana@ep.test", "--at", "25:00")
    assert code == 2 and "--at: '25:00' is not a time of day (expected HH:MM)." in err
