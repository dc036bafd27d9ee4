"""The sweep sends what is due over SMTP, exactly once per reminder; failures are
retried with backoff, then left dead, never dropped. On tests/definitions/committees.yaml
(its board, "Comité de test", invites two weeks ahead; the agenda is due a week before, the
day-before reminder goes at 08:00)."""
from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from sqlalchemy import select

from setupflow.clock import parse_instant as paris
from setupflow.reminders.models import Reminder
from setupflow.reminders.operations import plan_site, set_digest
from setupflow.reminders.sweep import MAX_ATTEMPTS, backoff, sweep

from mailtools import free_port


def states(session):
    session.expire_all()
    return sorted((r.rule, r.recipient, r.state) for r in session.scalars(select(Reminder)))


def calendar_of(msg):
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            return icalendar.Calendar.from_ical(part.get_content()), part.get_param("method")
    return None, None


def setup_meeting(session, make_site, team, meeting, now):
    site = make_site(name="Atelier de Kerfictif", workflow="committees")
    ana = team(site, "Ana Fictive", "ana@ep.test", "ep")
    team(site, "Bob Fictif", "bob@cress.test", "cress", language="en")
    m = meeting(site, "2027-03-10T14:00", roles={"agenda": ana}, place="Salle du greffe")
    plan_site(session, site, now)
    session.commit()
    return site, m


def test_what_is_due_is_sent_once_and_a_second_sweep_sends_nothing(
        session, sqlite_db, make_site, team, meeting, now, smtp, mail_settings):
    site, m = setup_meeting(session, make_site, team, meeting, now)
    result = sweep(sqlite_db.factory, mail_settings, paris("2027-03-09T09:00"))
    assert result.sent == 5
    subjects = sorted((msg["To"], msg["Subject"]) for msg in smtp.messages)
    assert ("Ana Fictive <ana@ep.test>", "Demain : Comité de test") in subjects
    assert ("Bob Fictif <bob@cress.test>", "Tomorrow: Test board") in subjects
    assert ("Ana Fictive <ana@ep.test>", "Ordre du jour à préparer : Comité de test") in subjects
    again = sweep(sqlite_db.factory, mail_settings, paris("2027-03-09T09:00"))
    assert again.sent == 0 and len(smtp.messages) == 5
    sent = [r for r in session.scalars(select(Reminder).where(Reminder.state == "sent"))]
    assert sorted(r.message_id for r in sent) == sorted(msg["Message-ID"] for msg in smtp.messages)


def test_an_invitation_carries_the_meeting_uid_and_a_move_sends_an_update(
        session, sqlite_db, make_site, team, meeting, now, smtp, mail_settings):
    site, m = setup_meeting(session, make_site, team, meeting, now)
    sweep(sqlite_db.factory, mail_settings, paris("2027-02-24T09:00"))
    invitations = [msg for msg in smtp.messages if msg["Subject"].startswith("Invitation")]
    assert len(invitations) == 2
    cal, method = calendar_of(invitations[0])
    event = cal.walk("VEVENT")[0]
    assert method == "REQUEST" and str(cal["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == m.uid and int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == paris("2027-03-10T14:00")
    html = invitations[0].get_body(("html",)).get_content()
    assert "Salle du greffe" in html and "<p>" in html

    moved_at = paris("2027-02-25T10:00")
    m.starts_dt, m.sequence, m.updated_dt = paris("2027-03-17T14:00"), 1, moved_at
    session.commit()
    plan_site(session, site, moved_at)
    session.commit()
    sweep(sqlite_db.factory, mail_settings, moved_at)
    updates = [msg for msg in smtp.messages if msg not in invitations]
    assert len(updates) == 2
    cal, method = calendar_of(updates[0])
    event = cal.walk("VEVENT")[0]
    assert method == "REQUEST" and str(event["UID"]) == m.uid and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == paris("2027-03-17T14:00")
    # planning again after the update was sent plans nothing more
    assert plan_site(session, site, moved_at).created == 0


def test_a_cancellation_goes_to_those_already_invited(session, sqlite_db, make_site, team, meeting, now, smtp,
                                                      mail_settings):
    site, m = setup_meeting(session, make_site, team, meeting, now)
    sweep(sqlite_db.factory, mail_settings, paris("2027-02-24T09:00"))
    cancelled_at = paris("2027-03-01T10:00")
    m.status, m.sequence, m.updated_dt, m.cancelled_reason = "cancelled", 1, cancelled_at, "grève des transports"
    session.commit()
    plan_site(session, site, cancelled_at)
    session.commit()
    sweep(sqlite_db.factory, mail_settings, cancelled_at)
    cancels = smtp.messages[2:]
    assert len(cancels) == 2
    cal, method = calendar_of(cancels[0])
    assert method == "CANCEL" and str(cal.walk("VEVENT")[0]["UID"]) == m.uid
    assert int(cal.walk("VEVENT")[0]["SEQUENCE"]) == 1
    assert "grève des transports" in cancels[0].get_body(("plain",)).get_content() or \
        "grève des transports" in cancels[1].get_body(("plain",)).get_content()
    # the agenda and day-before reminders never go out
    sweep(sqlite_db.factory, mail_settings, paris("2027-03-09T09:00"))
    assert len(smtp.messages) == 4


def test_smtp_down_means_failed_with_backoff_then_dead_never_lost(session, sqlite_db, make_site, team, meeting,
                                                                   now, mail_settings):
    setup_meeting(session, make_site, team, meeting, now)
    down = sqlite_db.settings(**{**mail_settings.__dict__, "smtp_port": free_port()})
    at = paris("2027-02-24T09:00")
    result = sweep(sqlite_db.factory, down, at)
    assert result.failed == 2 and result.sent == 0
    rows = list(session.scalars(select(Reminder).where(Reminder.rule == "invitation")))
    assert {(r.state, r.attempts) for r in rows} == {("failed", 1)}
    assert {r.send_after_dt for r in rows} == {at + backoff(1)}
    assert sweep(sqlite_db.factory, down, at + backoff(1) - timedelta(seconds=1)).failed == 0  # not before
    for attempt in range(2, MAX_ATTEMPTS + 1):
        session.expire_all()
        at = max(r.send_after_dt for r in session.scalars(select(Reminder).where(Reminder.rule == "invitation")))
        sweep(sqlite_db.factory, down, at)
    session.expire_all()
    rows = list(session.scalars(select(Reminder).where(Reminder.rule == "invitation")))
    assert {(r.state, r.attempts) for r in rows} == {("dead", MAX_ATTEMPTS)}
    assert all("unreachable" in r.last_error for r in rows)


def test_without_smtp_settings_mail_stays_in_the_outbox(session, sqlite_db, make_site, team, meeting, now, caplog):
    setup_meeting(session, make_site, team, meeting, now)
    result = sweep(sqlite_db.factory, sqlite_db.settings(), paris("2027-02-24T09:00"))
    assert result.held == 2 and result.sent == 0
    assert "SMTP IS NOT CONFIGURED" in caplog.text
    assert {s for _, _, s in states(session)} == {"pending"}


def test_a_digest_gathers_the_reminders_of_the_day_into_one_email(session, sqlite_db, make_site, team, meeting,
                                                                   now, smtp, mail_settings):
    from setupflow.committees.models import ActionItem
    from datetime import date

    set_digest(session, "ana@ep.test", True, now, "07:30")
    site = make_site(workflow="committees")
    ana = team(site, "Ana Fictive", "ana@ep.test", "ep")
    for text in ("Réserver la salle", "Relancer la DDETS"):
        session.add(ActionItem(site_id=site.id, text=text, owner_id=ana.id, due_on=date(2027, 2, 15),
                               status="open", created_dt=now))
    session.commit()
    plan_site(session, site, now)
    session.commit()
    # due on 12 February at 08:00, held for the next digest: 13 February 07:30
    assert sweep(sqlite_db.factory, mail_settings, paris("2027-02-12T08:00")).sent == 0
    assert sweep(sqlite_db.factory, mail_settings, paris("2027-02-13T07:30")).sent == 2
    assert len(smtp.messages) == 1
    body = smtp.messages[0].get_body(("plain",)).get_content()
    assert "Réserver la salle" in body and "Relancer la DDETS" in body
    assert smtp.messages[0]["Subject"] == "setupflow : vos rappels (2)"


def test_the_running_worker_sends_a_move_at_the_next_sweep_without_waiting_for_the_full_pass(
        session, sqlite_db, make_site, team, meeting, now, smtp, mail_settings):
    from setupflow.committees.operations import move
    from setupflow.reminders.worker import Worker
    from setupflow.sites.operations import Actor

    site, m = setup_meeting(session, make_site, team, meeting, now)
    with Worker(mail_settings) as worker:
        worker.once(paris("2027-02-24T09:00"))  # the invitations go out
        assert len(smtp.messages) == 2
        moved_at = paris("2027-02-25T10:00")
        move(session, m, "2027-03-12T14:00", Actor("Lou Fictive"), moved_at)
        session.commit()
        result = worker.sweep(moved_at + timedelta(minutes=1))
    assert result.sent == 2
    assert sorted(msg["Subject"].split(":")[0].strip() for msg in smtp.messages[2:]) == \
        ["Meeting changed", "Réunion modifiée"]  # Bob reads English


def test_a_planning_pass_never_overwrites_a_row_a_sweep_has_just_claimed(session, sqlite_db, make_site, team,
                                                                         meeting, now):
    from sqlalchemy.orm.exc import StaleDataError

    from setupflow.db import transaction
    from setupflow.reminders.sweep import claim

    setup_meeting(session, make_site, team, meeting, now)
    planner_view = session.scalar(select(Reminder).where(Reminder.rule == "invitation"))
    assert planner_view.state == "pending"
    with transaction(sqlite_db.factory) as sweeper:
        claimed = claim(sweeper, paris("2027-02-24T09:00"), 10, "setupflow.test")
    assert planner_view.id in {r.id for r in claimed}
    planner_view.send_after_dt = paris("2027-03-03T09:00")  # a stale reschedule
    with pytest.raises(StaleDataError):
        session.flush()
    session.rollback()
    assert session.get(Reminder, planner_view.id).state == "sending"


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_mail_goes_over_tls_when_the_settings_ask_for_it(security, tmp_path, monkeypatch, session, sqlite_db,
                                                         make_site, team, meeting, now, mail_settings):
    import ssl
    import subprocess

    from aiosmtpd.controller import Controller

    from mailtools import Collector

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts this test certificate only
    collector = Collector()
    options = {"tls_context": server_tls, "require_starttls": True} if security == "starttls" \
        else {"ssl_context": server_tls}
    controller = Controller(collector, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        setup_meeting(session, make_site, team, meeting, now)
        settings = sqlite_db.settings(**{**mail_settings.__dict__, "smtp_port": controller.port,
                                         "smtp_security": security})
        result = sweep(sqlite_db.factory, settings, paris("2027-02-24T09:00"))
    finally:
        controller.stop()
    assert result.sent == 2 and len(collector.messages) == 2
