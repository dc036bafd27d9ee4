"""A manager holds, releases or cancels one e-mail before it leaves; planning never undoes
what a person decided, and the row and the site's history say who did it. On both
backends: the held row is kept back by the sweep's own statements. On
tests/definitions/committees.yaml (its board invites two weeks ahead, at 09:00)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from setupflow.clock import parse_instant as paris
from setupflow.errors import InputError, NotFound
from setupflow.reminders import holds
from setupflow.reminders.claim import due_count
from setupflow.reminders.models import Reminder
from setupflow.reminders.operations import plan_site
from setupflow.sites.models import HistoryEntry


@pytest.fixture
def db(any_db):
    return any_db


def invitation(session, meeting, email):
    return session.scalar(select(Reminder).where(Reminder.subject == f"meeting:{meeting.id}",
                                                 Reminder.rule == "invitation", Reminder.recipient == email))


def test_a_held_invitation_stays_held_through_planning_and_leaves_once_released(
        session, make_site, team, meeting, now, manager):
    site = make_site(workflow="committees")
    team(site, "Ana Fictive", "ana@ep.test", "ep")
    team(site, "Bob Fictif", "bob@cress.test", "cress")
    m = meeting(site, "2027-03-10T14:00")
    plan_site(session, site, now)
    row = invitation(session, m, "ana@ep.test")
    holds.hold(session, site, row, manager, now)
    session.commit()
    assert (row.state, row.last_error) == ("held", manager.name)
    entry = session.scalar(select(HistoryEntry).where(HistoryEntry.site_id == site.id,
                                                      HistoryEntry.action == "reminder_held"))
    assert entry.actor == manager.name and entry.detail["recipient"] == "ana@ep.test"

    later = paris("2027-02-20T10:00")
    plan_site(session, site, later)
    session.commit()
    assert invitation(session, m, "ana@ep.test").state == "held"
    assert session.scalar(select(Reminder).where(Reminder.subject == f"meeting:{m.id}", Reminder.rule == "invitation",
                                                 Reminder.recipient == "ana@ep.test", Reminder.id != row.id)) is None
    due = paris("2027-02-24T09:00")
    assert due_count(session, due) == 1  # Bob's invitation only: the sweep leaves Ana's alone

    mail = holds.site_mail(session, site, later, smtp_configured=True)
    assert [r.id for r in mail.stopped] == [row.id] and row not in mail.upcoming

    holds.release(session, site, row, manager, later)
    session.commit()
    assert (row.state, row.last_error, row.send_after_dt) == ("pending", None, due)
    assert due_count(session, due) == 2


def test_a_cancelled_reminder_is_never_planned_again_and_other_sites_rows_are_out_of_reach(
        session, make_site, team, meeting, now, manager):
    site, other = make_site(workflow="committees"), make_site(name="Autre atelier", workflow="committees")
    team(site, "Ana Fictive", "ana@ep.test", "ep")
    m = meeting(site, "2027-03-10T14:00")
    plan_site(session, site, now)
    row = invitation(session, m, "ana@ep.test")
    holds.cancel(session, site, row, manager, now)
    session.commit()
    plan_site(session, site, now)
    session.commit()
    assert invitation(session, m, "ana@ep.test").state == "cancelled"
    assert session.scalar(select(HistoryEntry.actor).where(HistoryEntry.action == "reminder_cancelled")) == manager.name
    with pytest.raises(InputError):
        holds.hold(session, site, row, manager, now)
    with pytest.raises(NotFound):
        holds.site_reminder(session, other, row.id)


def test_a_held_reminder_of_a_cancelled_meeting_is_withdrawn(session, make_site, team, meeting, now, manager):
    from setupflow.committees import operations as meetings

    site = make_site(workflow="committees")
    team(site, "Ana Fictive", "ana@ep.test", "ep")
    m = meeting(site, "2027-03-10T14:00")
    plan_site(session, site, now)
    row = invitation(session, m, "ana@ep.test")
    holds.hold(session, site, row, manager, now)
    meetings.cancel(session, m, manager, now, "report")
    plan_site(session, site, now)
    session.commit()
    assert row.state == "withdrawn"
