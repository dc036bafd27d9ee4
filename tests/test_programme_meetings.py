"""The accompaniment of a programme's edition as real meetings: collective days, co-development
sessions, events and each laureate's follow-ups invite their accounts, get their reminders and
calendar, take attendance and minutes; the selection committee's decision still lives in its
held meeting; the criteria's weights change with one operation. On SQLite and PostgreSQL."""
from datetime import datetime, timedelta, timezone

import icalendar
import pytest
from sqlalchemy import select

from setupflow.accounts.models import User
from setupflow.committees.models import Meeting
from setupflow.definitions.programmes import load_programmes
from setupflow.errors import NotFound, StaleEdit
from setupflow.programmes import meetings as pm
from setupflow.programmes import operations as ops
from setupflow.programmes.queries import missed_follow_ups
from setupflow.reminders.messages import meeting_calendar
from setupflow.reminders.models import Reminder
from setupflow.reminders.programme_meetings import (CANCEL, DAY_BEFORE, INVITATION, MINUTES_MISSING, UPDATE,
                                                   plan_programmes)

from tests.conftest import WORKFLOWS
from tests.refused import refused
from tests.test_programmes import selected_edition

PROGRAMMES = load_programmes([WORKFLOWS])
ACTICE = PROGRAMMES.get("actice")


def account(session, email, now, language="fr"):
    user = User(email=email, display_name=email.split("@")[0].title() + " (fictif)", password_hash="x",
                role="partner", language=language, created_dt=now)
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def accompanied(session, manager, now):
    """An Act'ice promotion with laureates Alpha and Beta, each with an account, the
    programme's staff member and a committee member."""
    edition = ops.open_edition(session, ACTICE, label="Promotion 2027", starts_on="2027-01-04", actor=manager, now=now)
    ops.publish_call(session, ACTICE, edition, published_on="2027-01-04", actor=manager, now=now)
    after = selected_edition(session, ACTICE, edition, manager, now)
    alpha, beta = edition.laureates
    people = {"staff": account(session, "equipe@example.test", after),
              "alpha": account(session, "alpha@example.test", after),
              "beta": account(session, "beta@example.test", after, language="en"),
              "committee": account(session, "jury@example.test", after)}
    ops.add_member(session, ACTICE, people["staff"].id, "staff", now=after)
    ops.add_member(session, ACTICE, people["alpha"].id, "laureate", now=after, laureate=alpha)
    ops.add_member(session, ACTICE, people["beta"].id, "laureate", now=after, laureate=beta)
    ops.add_member(session, ACTICE, people["committee"].id, "committee", now=after, edition=edition)
    session.commit()
    return edition, after, people


def invited(meeting):
    return sorted(a.user.email for a in meeting.attendees)


def test_a_collective_day_invites_every_laureate_and_the_staff_a_follow_up_only_its_own_laureate(
        session, accompanied):
    edition, after, people = accompanied
    meetings = ops.plan_accompaniment(session, ACTICE, edition, starts_on="2027-03-22", now=after)
    session.commit()
    day = next(m for m in meetings if m.committee_id == "collective_day")
    assert day.site_id is None and day.edition_id == edition.id and day.topic == "justice_system"
    assert invited(day) == ["alpha@example.test", "beta@example.test", "equipe@example.test"]
    beta_follow_up = next(m for m in meetings if m.committee_id == "follow_up" and m.laureate_id == edition.laureates[1].id)
    assert invited(beta_follow_up) == ["beta@example.test", "equipe@example.test"]
    selection = session.scalar(select(Meeting).where(Meeting.edition_id == edition.id,
                                                     Meeting.committee_id == "selection"))
    assert pm.invitees(session, ACTICE, edition, "selection") == [people["committee"].id, people["staff"].id]
    # the selection decision recorded in the held committee meeting points at that meeting
    from setupflow.programmes.models import ProgrammeDecision

    decision = session.scalar(select(ProgrammeDecision).where(ProgrammeDecision.edition_id == edition.id))
    assert decision.meeting_id == selection.id and selection.status == "held" and len(selection.seats_present) == 4


def test_a_laureate_that_misses_two_follow_ups_is_marked_absent_and_shows(session, accompanied):
    edition, after, people = accompanied
    meetings = ops.plan_accompaniment(session, ACTICE, edition, starts_on="2027-03-22", now=after)
    beta = edition.laureates[1]
    late = after + timedelta(days=200)
    series = [m for m in meetings if m.laureate_id == beta.id][:2]
    for m in series:
        pm.mark_held(session, ACTICE, m, now=late, missed=True)
    session.commit()
    assert [m.status for m in series] == ["missed", "missed"]
    with refused("meeting.wrong_status") as caught:  # a missed follow-up is not moved: the next one is planned
        pm.move(session, series[0], "2027-06-01T10:00", late)
    from setupflow.refusals import MESSAGES

    assert caught.value.params["status"] == "meeting.status.missed" and "meeting.status.missed" in MESSAGES
    assert [a.attendance for a in series[0].attendees if a.user_id == people["beta"].id] == ["absent"]
    assert missed_follow_ups(session, ACTICE, [edition.id]) == [
        {"laureate_id": beta.id, "project": "Atelier Beta", "missed": 2}]


def test_a_meeting_in_the_future_cannot_be_held_and_attendance_names_only_its_invitees(session, accompanied):
    edition, after, people = accompanied
    day = pm.schedule_meeting(session, ACTICE, edition, kind="collective_day", key="economic_model",
                              starts_dt=after + timedelta(days=30), now=after, place="Salle fictive")
    with refused("programme.meeting_future"):
        pm.mark_held(session, ACTICE, day, now=after)
    held_at = day.starts_dt + timedelta(hours=7)
    with refused("meeting.not_invited"):
        pm.mark_held(session, ACTICE, day, now=held_at, attendance={people["committee"].id: "present"})
    with refused("choice.invalid"):
        pm.mark_held(session, ACTICE, day, now=held_at, attendance={people["alpha"].id: "maybe"})
    assert day.status == "scheduled"
    pm.mark_held(session, ACTICE, day, now=held_at,
                 attendance={people["alpha"].id: "present", people["beta"].id: "excused"})
    assert {a.user.email: a.attendance for a in day.attendees} == {
        "alpha@example.test": "present", "beta@example.test": "excused", "equipe@example.test": None}


def test_the_minutes_of_a_collective_day_keep_every_version_and_refuse_a_stale_save(session, accompanied, manager):
    edition, after, _people = accompanied
    day = pm.schedule_meeting(session, ACTICE, edition, kind="co_development", starts_dt=after + timedelta(days=3),
                              now=after)
    later = day.starts_dt + timedelta(hours=4)
    with refused("minutes.before_meeting"):
        pm.save_minutes(session, day, "# Séance", 0, manager, after)
    pm.save_minutes(session, day, "# Séance\n\nUn cas exposé.", 0, manager, later)
    session.commit()
    with pytest.raises(StaleEdit):
        pm.save_minutes(session, day, "# Autre texte", 0, manager, later)
    session.rollback()
    pm.mark_held(session, ACTICE, day, now=later)
    pm.save_minutes(session, day, "# Séance\n\nUn cas exposé, des pistes.", 1, manager, later)
    with pytest.raises(StaleEdit):
        pm.approve_minutes(session, day, 1, later)
    pm.approve_minutes(session, day, 2, later)
    session.commit()
    assert day.status == "minutes_approved"


def sent(session, reminder):
    reminder.state = "sent"
    session.commit()


def test_programme_meetings_plan_invitations_with_their_calendar_updates_and_cancellations(session, accompanied):
    edition, after, people = accompanied
    day = pm.schedule_meeting(session, ACTICE, edition, kind="collective_day", key="communication",
                              starts_dt=after + timedelta(days=40), now=after, place="Maison fictive")
    session.commit()
    plan_programmes(session, after, PROGRAMMES)
    session.commit()
    rows = session.scalars(select(Reminder).where(Reminder.subject == f"meeting:{day.id}")).all()
    assert {(r.rule, r.recipient) for r in rows} == {
        (rule, email) for rule in (INVITATION, DAY_BEFORE)
        for email in ("alpha@example.test", "beta@example.test", "equipe@example.test")} | {
        (MINUTES_MISSING, "equipe@example.test")}  # the minutes are asked of the staff only
    invitation = next(r for r in rows if r.rule == INVITATION and r.recipient == "beta@example.test")
    assert invitation.site_id is None and invitation.language == "en"
    assert invitation.due_dt == datetime(2027, 4, 3, 7, 0, tzinfo=timezone.utc)  # three weeks ahead, 09:00 Paris
    assert invitation.context["meeting"]["title"] == "Collective day: Communicating about the project"
    assert invitation.context["path"] == f"/programmes/actice/editions/{edition.id}/meetings/{day.id}"
    calendar, method = meeting_calendar(invitation.template, invitation.context, to=(invitation.recipient, "Beta"),
                                        sender="setupflow <rappels@setupflow.test>", now=after)
    event = icalendar.Calendar.from_ical(calendar).walk("VEVENT")[0]
    assert method == "REQUEST" and str(event["UID"]) == day.uid and int(event["SEQUENCE"]) == 0
    sent(session, invitation)

    pm.move(session, day, "2027-04-20T10:00", after + timedelta(days=1))
    session.commit()
    plan_programmes(session, after + timedelta(days=1), PROGRAMMES)
    session.commit()
    update = session.scalar(select(Reminder).where(Reminder.rule == UPDATE))
    assert (update.recipient, update.subject, update.context["meeting"]["sequence"]) == (
        "beta@example.test", f"meeting:{day.id}#1", 1)

    pm.cancel(session, day, after + timedelta(days=2), "Salle indisponible")
    session.commit()
    plan_programmes(session, after + timedelta(days=2), PROGRAMMES)
    session.commit()
    cancel = session.scalar(select(Reminder).where(Reminder.rule == CANCEL))
    assert cancel.recipient == "beta@example.test" and cancel.template == "meeting_cancel"
    unsent = session.scalars(select(Reminder).where(Reminder.subject == f"meeting:{day.id}",
                                                                          Reminder.rule.in_((INVITATION, DAY_BEFORE)))).all()
    assert {r.state for r in unsent if r.id != invitation.id} == {"withdrawn"}


def test_each_laureate_follow_up_has_its_own_reminders_to_its_own_accounts(session, accompanied):
    edition, after, people = accompanied
    alpha, beta = edition.laureates
    first = pm.schedule_meeting(session, ACTICE, edition, kind="follow_up", laureate=alpha,
                                starts_dt=after + timedelta(days=10), now=after, video_url="https://visio.example.test/a")
    second = pm.schedule_meeting(session, ACTICE, edition, kind="follow_up", laureate=alpha,
                                 starts_dt=after + timedelta(days=40), now=after)
    session.commit()
    plan_programmes(session, after, PROGRAMMES)
    session.commit()
    for meeting in (first, second):
        rows = session.scalars(select(Reminder).where(Reminder.subject == f"meeting:{meeting.id}",
                                                      Reminder.rule == DAY_BEFORE)).all()
        assert sorted(r.recipient for r in rows) == ["alpha@example.test", "equipe@example.test"]
        assert all("Atelier Alpha" in r.context["meeting"]["title"] for r in rows)
    assert not session.scalar(select(Reminder).where(Reminder.recipient == "beta@example.test"))


def test_the_weights_change_in_one_operation_with_every_weight_checked_first(session, manager, now):
    edition = ops.open_edition(session, ACTICE, label="Promotion 2028", starts_on="2028-01-03", actor=manager, now=now)
    before = [dict(c) for c in edition.criteria]
    ids = [c["id"] for c in before]
    with refused("programme.weight_range"):
        ops.set_weights(session, edition, {ids[0]: "4", ids[1]: "11"}, actor=manager, now=now)
    with refused("number.invalid"):
        ops.set_weights(session, edition, {ids[0]: "quatre"}, actor=manager, now=now)
    with refused("programme.no_weight"):
        ops.set_weights(session, edition, {i: "0" for i in ids}, actor=manager, now=now)
    assert edition.criteria == before  # nothing half-written
    ops.set_weights(session, edition, {ids[0]: "4", ids[1]: "0"}, actor=manager, now=now)
    assert [c["weight"] for c in edition.criteria][:2] == [4, 0]
    ops.set_weight(session, edition, ids[1], 2, actor=manager, now=now)  # the command line's one-by-one
    assert edition.criteria[1]["weight"] == 2
    ops.publish_call(session, ACTICE, edition, published_on="2028-01-03", actor=manager, now=now)
    with refused("programme.weights_fixed"):
        ops.set_weights(session, edition, {ids[0]: "1"}, actor=manager, now=now)


def test_a_meeting_of_another_edition_is_not_found(session, accompanied, manager, now):
    edition, after, _people = accompanied
    other = ops.open_edition(session, ACTICE, label="Promotion 2028", starts_on="2028-01-03", actor=manager, now=now)
    day = pm.schedule_meeting(session, ACTICE, edition, kind="event", key="funders", starts_dt=after, now=after)
    with refused("meeting.not_found", error=NotFound):
        pm.get_meeting(session, other, day.id)
    with refused("programme.unknown_day"):
        pm.schedule_meeting(session, ACTICE, edition, kind="collective_day", key="nope", starts_dt=after, now=after)
    with refused("meeting.video_link_invalid"):
        pm.schedule_meeting(session, ACTICE, edition, kind="co_development", starts_dt=after, now=after,
                            video_url="javascript:alert(1)")


def test_a_laureates_personal_feed_holds_its_programme_meetings_and_follows_their_moves(session, accompanied):
    from setupflow.reminders.feeds import create_feed, feed_for_token, open_feed, write_feed

    edition, after, people = accompanied
    alpha, beta = edition.laureates
    day = pm.schedule_meeting(session, ACTICE, edition, kind="collective_day", key="impact",
                              starts_dt=after + timedelta(days=12), now=after, place="Maison fictive")
    own = pm.schedule_meeting(session, ACTICE, edition, kind="follow_up", laureate=alpha,
                              starts_dt=after + timedelta(days=5), now=after)
    other = pm.schedule_meeting(session, ACTICE, edition, kind="follow_up", laureate=beta,
                                starts_dt=after + timedelta(days=6), now=after)
    # the laureate has no seat in any site's team: its programme part makes its feed
    token = create_feed(session, after, email="Alpha@example.test")
    session.commit()
    first = open_feed(session, token, after)
    events = icalendar.Calendar.from_ical(feed_for_token(session, token, after)).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [own.uid, day.uid]
    assert other.uid not in {str(e["UID"]) for e in events}
    titled = icalendar.Calendar.from_ical(write_feed(session, first, after, PROGRAMMES)).walk("VEVENT")
    assert str(titled[1]["SUMMARY"]).startswith("Journée collective : Mesurer son impact social")
    pm.move(session, day, "2027-04-02T10:00", after + timedelta(hours=1))
    session.commit()
    moved = open_feed(session, token, after + timedelta(hours=1))
    assert moved.version != first.version
    event = icalendar.Calendar.from_ical(write_feed(session, moved, after)).walk("VEVENT")[1]
    assert int(event["SEQUENCE"]) == 1 and str(event["LOCATION"]) == "Maison fictive"


def test_the_migration_moves_the_programme_meetings_into_meetings_and_the_selection_follows(db):
    from sqlalchemy import text

    from setupflow import migrate as schema

    schema.downgrade(db.engine, "e1a7c3d9b524")
    when = datetime(2027, 3, 1, 9, 30)
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO programme_editions (programme_id, label, starts_on, ends_on, status, criteria, "
                          "review_texts, created_dt, changed_dt, changed_by, version_id) VALUES ('actice', "
                          "'Promotion 2027', '2027-01-04', '2027-12-31', 'accompaniment', '[]', '{}', :t, :t, 'x', 1)"),
                     {"t": when})
        edition_id = conn.execute(text("SELECT id FROM programme_editions")).scalar_one()
        conn.execute(text("INSERT INTO programme_laureates (edition_id, project, organisations, department, purpose, "
                          "parrains, created_dt) VALUES (:e, 'Atelier Alpha', '[\"Asso\"]', '69', 'x', '[]', :t)"),
                     {"e": edition_id, "t": when})
        laureate_id = conn.execute(text("SELECT id FROM programme_laureates")).scalar_one()
        rows = [("selection", None, None, "held", '["chair_magistrate", "disp"]'),
                ("collective_day", "justice_system", None, "scheduled", "[]"),
                ("follow_up", None, laureate_id, "missed", "[]")]
        for kind, key, laureate, status, present in rows:
            conn.execute(text("INSERT INTO programme_meetings (edition_id, kind, key, laureate_id, starts_dt, status, "
                              "present, created_dt) VALUES (:e, :k, :key, :l, :t, :s, :p, :t)"),
                         {"e": edition_id, "k": kind, "key": key, "l": laureate, "t": when, "s": status, "p": present})
        selection_id = conn.execute(text("SELECT id FROM programme_meetings WHERE kind = 'selection'")).scalar_one()
        conn.execute(text("INSERT INTO programme_decisions (edition_id, meeting_id, key, value, decided_dt, decided_by) "
                          "VALUES (:e, :m, 'selection', 'Atelier Alpha', :t, 'x')"),
                     {"e": edition_id, "m": selection_id, "t": when})
    schema.upgrade(db.engine)
    with db.factory() as session:
        from setupflow.programmes.models import ProgrammeDecision

        moved = session.scalars(select(Meeting).where(Meeting.edition_id == edition_id).order_by(Meeting.id)).all()
        assert [(m.committee_id, m.topic, m.laureate_id, m.status, m.site_id) for m in moved] == [
            ("selection", None, None, "held", None), ("collective_day", "justice_system", None, "scheduled", None),
            ("follow_up", None, laureate_id, "missed", None)]
        assert moved[0].seats_present == ["chair_magistrate", "disp"] and moved[0].duration_minutes == 180
        assert len({m.uid for m in moved}) == 3
        decision = session.scalar(select(ProgrammeDecision))
        assert decision.meeting_id == moved[0].id
    # and back: the rows return to their table, the decision with them
    schema.downgrade(db.engine, "e1a7c3d9b524")
    with db.engine.connect() as conn:
        back = conn.execute(text("SELECT kind, status FROM programme_meetings ORDER BY id")).all()
        assert [tuple(r) for r in back] == [("selection", "held"), ("collective_day", "scheduled"),
                                            ("follow_up", "missed")]
        assert conn.execute(text("SELECT m.kind FROM programme_decisions d JOIN programme_meetings m "
                                 "ON m.id = d.meeting_id")).scalar_one() == "selection"
    schema.upgrade(db.engine)


def test_every_programme_meeting_transition_is_walked_and_every_other_refused(session, accompanied, manager):
    from setupflow.committees.models import MinutesRevision
    from setupflow.lifecycles import PROGRAMME_MEETINGS
    from tests.test_lifecycles import walk_all

    edition, after, _ = accompanied
    alpha = edition.laureates[0]

    def make(state):
        meeting = pm.schedule_meeting(session, ACTICE, edition, kind="follow_up", laureate=alpha,
                                            starts_dt=after + timedelta(days=2), now=after)
        meeting.starts_dt = after - timedelta(days=1)
        meeting.status = state
        session.flush()
        session.add(MinutesRevision(meeting_id=meeting.id, version=1, body_md="Compte rendu (fictif)",
                                    saved_by=manager.name, saved_dt=after))
        return meeting

    walk_all(session, None, PROGRAMME_MEETINGS, make, lambda m, t: {"session": session, "now": after})
