"""The reminder rules fire at the right instants, for the right people, exactly once. The
engine's mechanics run on tests/definitions/tiny.yaml (its board invites one week ahead,
minutes are due two working days after) and committees.yaml (its board two weeks ahead, its
council five; a signature deadline; gather lasts four months at most); the guide's own
committees (marked ``method``) on the shipped method."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from setupflow.clock import parse_instant as paris
from setupflow.reminders.models import Reminder
from setupflow.reminders.operations import plan_site
from setupflow.workdays import shift_days


def rows(session, **where):
    query = select(Reminder).order_by(Reminder.due_dt, Reminder.rule, Reminder.recipient)
    for key, value in where.items():
        query = query.where(getattr(Reminder, key) == value)
    return list(session.scalars(query))


def table(session, **where):
    return [(r.rule, r.due_dt, r.recipient) for r in rows(session, **where) if r.state != "withdrawn"]


def test_a_board_meeting_gets_invitation_agenda_day_before_and_minutes_reminders(session, make_site, team, meeting,
                                                                                  now):
    site = make_site(workflow="committees")
    ana = team(site, "Ana Fictive", "ana@ep.test", "ep", committees=("board",))
    bob = team(site, "Bob Fictif", "bob@cress.test", "cress", language="en", committees=("board",))
    m = meeting(site, "2027-03-10T14:00", committee="board", roles={"agenda": ana})
    plan_site(session, site, now)
    session.commit()
    assert table(session, subject=f"meeting:{m.id}") == [
        # the board invites two weeks ahead, at 09:00 Paris time
        ("invitation", paris("2027-02-24T09:00"), "ana@ep.test"),
        ("invitation", paris("2027-02-24T09:00"), "bob@cress.test"),
        ("agenda_due", paris("2027-03-03T09:00"), "ana@ep.test"),
        ("day_before", paris("2027-03-09T08:00"), "ana@ep.test"),
        ("day_before", paris("2027-03-09T08:00"), "bob@cress.test"),
        # three working days after Wednesday 10 March: Thursday, Friday, Monday
        ("minutes_missing", paris("2027-03-15T09:00"), "ana@ep.test"),
    ]
    assert rows(session, recipient="bob@cress.test")[0].language == "en" and bob.language == "en"


def test_each_committee_invites_as_many_weeks_ahead_as_it_says(session, make_site, team, meeting, now):
    site = make_site(workflow="committees")
    team(site, "Ana Fictive", "ana@ep.test", "ep", committees=("council",))
    m = meeting(site, "2027-06-17T10:00", committee="council")
    plan_site(session, site, now)
    assert [r.due_dt for r in rows(session, subject=f"meeting:{m.id}", rule="invitation")] == \
        [paris("2027-05-13T09:00")]  # five weeks


@pytest.mark.method
def test_a_technical_meeting_gets_invitation_agenda_day_before_and_minutes_reminders(
        session, make_site, team, meeting, now):
    site = make_site(workflow="cress-disp")
    ana = team(site, "Ana Fictive", "ana@ep.test", "ep")
    bob = team(site, "Bob Fictif", "bob@cress.test", "cress", language="en")
    m = meeting(site, "2027-03-10T14:00", roles={"agenda": ana})
    plan_site(session, site, now)
    session.commit()
    meeting_rows = table(session, subject=f"meeting:{m.id}")
    assert meeting_rows == [
        # the technical committee invites two weeks ahead, at 09:00 Paris time
        ("invitation", paris("2027-02-24T09:00"), "ana@ep.test"),
        ("invitation", paris("2027-02-24T09:00"), "bob@cress.test"),
        ("agenda_due", paris("2027-03-03T09:00"), "ana@ep.test"),
        ("day_before", paris("2027-03-09T08:00"), "ana@ep.test"),
        ("day_before", paris("2027-03-09T08:00"), "bob@cress.test"),
        # three working days after Wednesday 10 March: Thursday, Friday, Monday
        ("minutes_missing", paris("2027-03-15T09:00"), "ana@ep.test"),
    ]
    assert rows(session, recipient="bob@cress.test")[0].language == "en"


@pytest.mark.method
def test_the_partnership_committee_invites_six_weeks_ahead(session, make_site, team, meeting, now):
    site = make_site(workflow="cress-disp")
    team(site, "Ana Fictive", "ana@ep.test", "ep", committees=("partnership",))
    m = meeting(site, "2027-06-17T10:00", committee="partnership")
    plan_site(session, site, now)
    invitation = rows(session, subject=f"meeting:{m.id}", rule="invitation")
    assert [r.due_dt for r in invitation] == [paris("2027-05-06T09:00")]


def test_planning_twice_creates_nothing_new(session, make_site, team, meeting, now):
    site = make_site(workflow="tiny")
    team(site, "Ana Fictive", "ana@ep.test", "ep", committees=("board",))
    meeting(site, "2027-03-10T14:00", committee="board")
    first = plan_site(session, site, now)
    second = plan_site(session, site, now)
    assert first.created > 0
    assert (second.created, second.rescheduled, second.withdrawn) == (0, 0, 0)


def test_a_moved_meeting_reschedules_its_pending_reminders(session, make_site, team, meeting, now):
    site = make_site(workflow="tiny")
    ana = team(site, "Ana Fictive", "ana@ep.test", "ep", committees=("board",))
    m = meeting(site, "2027-03-10T14:00", committee="board", roles={"agenda": ana})
    plan_site(session, site, now)
    ids = {r.rule: r.id for r in rows(session, subject=f"meeting:{m.id}")}
    assert table(session, subject=f"meeting:{m.id}") == [
        ("invitation", paris("2027-03-03T09:00"), "ana@ep.test"),       # one week ahead
        ("day_before", paris("2027-03-09T08:00"), "ana@ep.test"),
        ("minutes_missing", paris("2027-03-12T09:00"), "ana@ep.test"),  # Thursday, Friday
    ]
    m.starts_dt, m.sequence, m.updated_dt = paris("2027-03-17T14:00"), 1, now
    result = plan_site(session, site, now)
    assert result.rescheduled == 3 and result.created == 0
    moved = {r.rule: (r.id, r.due_dt) for r in rows(session, subject=f"meeting:{m.id}")}
    assert moved["day_before"] == (ids["day_before"], paris("2027-03-16T08:00"))
    assert moved["invitation"] == (ids["invitation"], paris("2027-03-10T09:00"))
    assert moved["minutes_missing"] == (ids["minutes_missing"], paris("2027-03-19T09:00"))


def test_a_cancelled_meeting_withdraws_its_reminders(session, make_site, team, meeting, now):
    site = make_site(workflow="tiny")
    team(site, "Ana Fictive", "ana@ep.test", "ep", committees=("board",))
    m = meeting(site, "2027-03-10T14:00", committee="board")
    plan_site(session, site, now)
    m.status, m.sequence, m.cancelled_reason = "cancelled", 1, "conflit d'agenda"
    plan_site(session, site, now)
    assert {r.state for r in rows(session, subject=f"meeting:{m.id}")} == {"withdrawn"}
    # nobody had received the invitation yet: no cancellation to send
    assert rows(session, rule="meeting_cancel") == []


def test_minutes_reminders_count_working_days_across_a_public_holiday(session, make_site, team, meeting, now):
    site = make_site(workflow="tiny")
    ana = team(site, "Ana Fictive", "ana@ep.test", "ep", committees=("board",))
    m = meeting(site, "2027-05-05T14:00", committee="board", roles={"agenda": ana})  # the day before Ascension
    plan_site(session, site, now)
    minutes = rows(session, subject=f"meeting:{m.id}", rule="minutes_missing")
    assert [r.due_dt for r in minutes] == [paris("2027-05-10T09:00")]  # Fri 7, Mon 10


def test_alsace_moselle_has_its_own_holidays():
    # Good Friday and 26 December are public holidays in Moselle and Alsace only
    assert shift_days(date(2027, 3, 25), 1, True, "35") == date(2027, 3, 26)
    assert shift_days(date(2027, 3, 25), 1, True, "67") == date(2027, 3, 30)


def test_an_action_item_is_due_soon_then_overdue_every_week(session, make_site, team, now):
    from setupflow.committees.models import ActionItem

    site = make_site(workflow="tiny")
    ana = team(site, "Ana Fictive", "ana@ep.test", "ep", committees=("board",))
    action = ActionItem(site_id=site.id, text="Envoyer la note de projet", owner_id=ana.id, due_on=date(2027, 2, 15),
                        status="open", created_dt=now)
    session.add(action)
    session.commit()
    plan_site(session, site, now)
    assert table(session, subject=f"action:{action.id}") == [
        ("action_due_soon", paris("2027-02-14T08:00"), "ana@ep.test"),  # one calendar day before
        ("action_overdue", paris("2027-02-16T08:00"), "ana@ep.test"),
    ]
    # three weeks later, the latest weekly occurrence is planned
    plan_site(session, site, paris("2027-03-03T10:00"))
    overdue = [r.due_dt for r in rows(session, rule="action_overdue")]
    assert paris("2027-03-02T08:00") in overdue
    action.status = "done"
    plan_site(session, site, paris("2027-03-03T10:00"))
    assert {r.state for r in rows(session, subject=f"action:{action.id}")} <= {"withdrawn"}


def test_a_deadline_window_opens_closes_and_is_missed_for_the_organisations_the_rules_name(
        session, make_site, team, walk, now):
    site = make_site(workflow="committees", start="2027-01-04", opening="2029-01-01")
    team(site, "Ana Fictive", "ana@ep.test", "ep")
    team(site, "Cleo Fictive", "cleo@cress.test", "cress")
    team(site, "Eve Fictive", "eve@mission-locale.test", "mission_locale")
    walk(site, "build")
    plan_site(session, site, now)
    signature = table(session, subject=f"site:{site.id}:deadline:signature")
    spip = f"referent.spip.{site.id}@example.org"  # the walk's team file has someone from the SPIP too
    # one to two months before the opening; opens and closing to the EP and the Cress, missed to the SPIP too
    assert sorted(signature) == sorted([
        ("deadline_opens", paris("2028-11-01T08:00"), "ana@ep.test"),
        ("deadline_opens", paris("2028-11-01T08:00"), "cleo@cress.test"),
        ("deadline_closing", paris("2028-11-17T08:00"), "ana@ep.test"),
        ("deadline_closing", paris("2028-11-17T08:00"), "cleo@cress.test"),
        ("deadline_missed", paris("2028-12-02T08:00"), "ana@ep.test"),
        ("deadline_missed", paris("2028-12-02T08:00"), "cleo@cress.test"),
        ("deadline_missed", paris("2028-12-02T08:00"), spip),
    ])


def test_the_decision_a_deadline_is_done_by_withdraws_its_reminders(session, make_site, team, walk, now, manager):
    from setupflow.sites import operations as ops

    site = make_site(workflow="committees", start="2027-01-04", opening="2029-01-01")
    team(site, "Ana Fictive", "ana@ep.test", "ep")
    walk(site, "build")
    plan_site(session, site, now)
    subject = f"site:{site.id}:deadline:signature"
    assert {r.state for r in rows(session, subject=subject)} == {"pending"}
    ops.record_decision(session, site, key="go_date", value="2028-11-15", text=None, actor=manager, now=now)
    plan_site(session, site, now)
    assert {r.state for r in rows(session, subject=subject)} == {"withdrawn"}


def test_a_stage_past_its_maximum_warns_the_organisations_the_rule_names(session, make_site, team, now):
    site = make_site(workflow="committees", start="2027-01-04")
    team(site, "Ana Fictive", "ana@ep.test", "ep")
    team(site, "Cleo Fictive", "cleo@cress.test", "cress")
    team(site, "Eve Fictive", "eve@mission-locale.test", "mission_locale")
    plan_site(session, site, now)
    stage = table(session, rule="stage_overdue")
    # gather lasts at most 4 months: from 4 January to 4 May
    assert stage == [("stage_overdue", paris("2027-05-05T08:00"), "ana@ep.test"),
                     ("stage_overdue", paris("2027-05-05T08:00"), "cleo@cress.test")]
