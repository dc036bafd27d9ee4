"""The worker sends a programme meeting's invitation with its calendar, in each account's
language, and a move at the next sweep, like a site's committee meeting."""
from __future__ import annotations

from datetime import timedelta

import icalendar

from setupflow.accounts.models import User
from setupflow.clock import parse_instant as paris
from setupflow.definitions.programmes import load_programmes
from setupflow.programmes import meetings as pm
from setupflow.programmes import operations as ops
from setupflow.reminders.worker import Worker

from tests.conftest import WORKFLOWS

ACTICE = load_programmes([WORKFLOWS]).get("actice")


def calendar_of(msg):
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            return icalendar.Calendar.from_ical(part.get_content()), part.get_param("method")
    return None, None


def test_the_worker_mails_a_collective_day_with_its_calendar_then_its_move(session, manager, now, smtp,
                                                                           mail_settings):
    edition = ops.open_edition(session, ACTICE, label="Promotion 2027", starts_on="2027-01-04", actor=manager, now=now)
    laureate = ops.add_laureate(session, ACTICE, edition, project="Atelier Alpha", organisations=["Asso fictive"],
                                department="69", purpose="Fictif", now=now)
    for email, language, role in (("equipe@example.test", "fr", "staff"), ("alpha@example.test", "en", "laureate")):
        user = User(email=email, display_name=email.split("@")[0], password_hash="x", role="partner",
                    language=language, created_dt=now)
        session.add(user)
        session.flush()
        ops.add_member(session, ACTICE, user.id, role, now=now, laureate=laureate if role == "laureate" else None)
    day = pm.schedule_meeting(session, ACTICE, edition, kind="collective_day", key="justice_system",
                              starts_dt=paris("2027-03-10T09:30"), now=now, place="Maison fictive")
    session.commit()
    with Worker(mail_settings) as worker:
        worker.once(paris("2027-02-17T09:01"))  # three weeks ahead: the invitations leave
        subjects = sorted(m["Subject"] for m in smtp.messages)
        assert len(subjects) == 2 and subjects[0].startswith("Invitation : Journée collective")
        assert subjects[1].startswith("Invitation: Collective day: How the justice system works")
        calendar, method = calendar_of(smtp.messages[0])
        event = calendar.walk("VEVENT")[0]
        assert method == "REQUEST" and str(event["UID"]) == day.uid and str(event["LOCATION"]) == "Maison fictive"
        body = smtp.messages[0].get_body(("plain",)).get_content()
        assert "Act" in body and "Promotion 2027" in body
        moved_at = paris("2027-02-18T10:00")
        pm.move(session, day, "2027-03-12T09:30", moved_at)
        session.commit()
        worker.sweep(moved_at + timedelta(minutes=1))
    updates = smtp.messages[2:]
    assert len(updates) == 2
    assert {int(calendar_of(m)[0].walk("VEVENT")[0]["SEQUENCE"]) for m in updates} == {1}
