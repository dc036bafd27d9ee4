"""The project-team file: people, their seats, and what happens when someone leaves. Engine
mechanics, on tests/definitions/committees.yaml (its board and council)."""
import pytest
from sqlalchemy import select

from setupflow.committees import actions, attendance, operations as meetings
from setupflow.committees.models import MeetingRole
from setupflow.errors import InputError
from setupflow.sites.models import HistoryEntry
from setupflow.team import operations as team
from setupflow.team.handover import person_leaves
from setupflow.team.models import Person
from tests.refused import refused


#: the seats of the team file built by ``make_team`` (index 1, the SPIP: p1.spip@example.org)
SEATS = {"ep": ("board", "council"), "spip": ("board",), "cress": ("board", "council"), "ddets": ("council",)}


@pytest.fixture
def session(sqlite_db):
    with sqlite_db.factory() as s:
        yield s


@pytest.mark.parametrize("email", ["someone@example.org\r\nBcc: x@example.org", "a@b.org\n", "not-an-address",
                                   "a@b", "a b@example.org", ""])
def test_an_invalid_or_header_injecting_email_is_refused(session, make_site, manager, now, email):
    site = make_site(workflow="committees")
    org = team.organisation_for(session, site, "spip", manager, now)
    with pytest.raises(InputError) as exc:
        team.add_person(session, site, name="Nom Fictif", email=email, organisation=org, actor=manager, now=now)
    assert exc.value.field == "email" and exc.value.code in ("email.invalid", "email.line_break")


def test_a_seat_must_be_on_a_committee_of_the_site_s_workflow(session, make_site, manager, now):
    site = make_site(workflow="committees")
    org = team.organisation_for(session, site, "ep", manager, now)
    with refused("choice.invalid", field="committee", value="selection"):
        team.add_person(session, site, name="Nom Fictif", email="n@example.org", organisation=org, actor=manager,
                        now=now, committees=["selection"])


def test_an_unknown_organisation_name_needs_a_category(session, make_site, manager, now):
    site = make_site(workflow="committees")
    with refused("team.organisation_unknown", field="organisation"):
        team.organisation_for(session, site, "Association Inconnue", manager, now)
    org = team.organisation_for(session, site, "Association Inconnue", manager, now, category="sponsor")
    assert team.organisation_for(session, site, "association inconnue", manager, now).id == org.id


def test_a_person_is_found_by_the_email_of_a_web_account_whatever_its_case(session, make_site, make_team):
    site = make_site(workflow="committees")
    people = make_team(site, SEATS)
    assert team.people_for_email(session, "P1.SPIP@Example.ORG") == [people["spip"]]


def test_someone_leaving_hands_open_actions_and_future_roles_to_a_successor(session, make_site, make_team,
                                                                             manager, now):
    site = make_site(workflow="committees")
    people = make_team(site, SEATS)
    leaver, successor = people["spip"], people["ep"]
    past = meetings.schedule(session, site, "board", "2027-01-05T14:00", manager, now)
    future = meetings.schedule(session, site, "board", "2027-04-13T14:00", manager, now)
    attendance.assign_role(session, past, "facilitation", leaver, manager, now)
    attendance.assign_role(session, future, "facilitation", leaver, manager, now)
    attendance.mark_held(session, past, {leaver.id: "present"}, manager, now.replace(day=6))
    open_item = actions.add_action(session, past, "Collecter les données", leaver, manager, now)
    done_item = actions.add_action(session, past, "Réserver la salle", leaver, manager, now)
    actions.set_action_status(session, done_item, "done", manager, now)
    session.commit()

    detail = person_leaves(session, site, leaver, successor, manager, now)
    session.commit()

    assert open_item.owner_id == successor.id
    assert done_item.owner_id == leaver.id  # what they did stays theirs
    roles = {r.meeting_id: r.person_id for r in session.scalars(select(MeetingRole))}
    assert roles == {past.id: leaver.id, future.id: successor.id}
    assert leaver.id in {a.person_id for a in past.attendees}
    assert leaver.id not in {a.person_id for a in future.attendees}
    assert leaver.left_on == now.date() and leaver.successor_id == successor.id
    assert session.get(Person, leaver.id) is not None
    entry = session.scalars(select(HistoryEntry).where(HistoryEntry.action == "person_left")).one()
    assert entry.detail["action_items"] == [open_item.id] and entry.detail["successor_id"] == successor.id
    assert detail["committees"] == ["board"]
    assert "board" in {m.committee_id for m in successor.memberships if m.end_on is None}
    with refused("handover.already_left", field="person"):
        person_leaves(session, site, leaver, successor, manager, now)


def test_people_are_never_deleted(session, make_site, make_team):
    people = make_team(make_site(workflow="committees"), SEATS)
    session.delete(people["ep"])
    with pytest.raises(RuntimeError, match="never deleted"):
        session.flush()


def test_a_new_member_is_invited_to_the_committee_s_meetings_still_to_come(session, make_site, make_team, manager,
                                                                            now):
    site = make_site(workflow="committees")
    make_team(site, SEATS)
    coming = meetings.schedule(session, site, "board", "2027-02-09T14:00", manager, now)
    other = meetings.schedule(session, site, "council", "2027-04-22T10:00", manager, now)
    org = team.organisation_for(session, site, "national_education", manager, now)
    newcomer = team.add_person(session, site, name="Nouvelle Fictive", email="nf@example.org", organisation=org,
                               actor=manager, now=now, committees=["board"])
    assert newcomer.id in {a.person_id for a in coming.attendees}
    assert newcomer.id not in {a.person_id for a in other.attendees}
    with refused("team.email_taken", field="email"):
        team.add_person(session, site, name="Doublon", email="NF@example.org", organisation=org, actor=manager,
                        now=now)


def test_a_person_loaded_through_an_outer_join_brings_the_organisation_without_a_nested_join(session, make_site,
                                                                                             make_team, now):
    """A meeting's attendees, roles and action owners load their person and the person's
    organisation in the same statement. Written as ``LEFT OUTER JOIN (people JOIN
    organisations)``, SQLite built that inner join for every person of the installation
    before matching the meeting (43 ms for one meeting page at 2,000 sites, 400 ms for a site
    page); each organisation is joined to its person directly instead."""
    from sqlalchemy import event

    from setupflow.committees.models import Attendee, Meeting, MeetingRole

    site = make_site(workflow="committees")
    person = make_team(site, {"ep": ("board",)})["ep"]
    meeting = Meeting(site_id=site.id, committee_id="board", status="scheduled", starts_dt=now,
                      duration_minutes=60, timezone="Europe/Paris", created_dt=now, updated_dt=now)
    session.add(meeting)
    session.flush()
    session.add_all([Attendee(meeting_id=meeting.id, person_id=person.id),
                     MeetingRole(meeting_id=meeting.id, role="agenda", person_id=person.id)])
    session.commit()
    session.expire_all()
    seen = []
    engine = session.get_bind()
    listener = lambda *args: seen.append(" ".join(args[2].split()))  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        loaded = session.get(Meeting, meeting.id)
        assert [a.person.organisation.name for a in loaded.attendees] == [person.organisation.name]
        assert [r.person.name for r in loaded.roles] == [person.name]
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert seen and not [s for s in seen if "JOIN (people" in s or "JOIN (meeting_roles" in s], seen
