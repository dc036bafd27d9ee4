"""The meeting pages: proposals are confirmed, a meeting is held, its minutes written
(a stale save is refused and keeps the text), the structure type is decided in a
technical committee meeting, and action items follow."""
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from setupflow.committees import operations as meetings
from setupflow.committees.minutes import current_minutes, save_minutes
from setupflow.committees.models import ActionItem, Meeting
from setupflow.committees.proposals import propose
from setupflow.sites import operations as ops
from setupflow.sites.models import Decision
from setupflow.team import operations as team

from web_fixtures import *  # noqa: F401,F403


@pytest.fixture
def team_site(site_in, web_session, manager, now):
    """A site with a small fictional team and the meetings proposed from the cadence."""
    site = site_in()
    ep = team.organisation_for(web_session, site, "ep", manager, now)
    cress = team.organisation_for(web_session, site, "cress", manager, now)
    team.add_person(web_session, site, name="Maëlle Exemple", email="maelle@example.org", organisation=ep,
                    actor=manager, now=now, committees=("technical", "partnership"))
    team.add_person(web_session, site, name="Bastien Fictif", email="bastien@example.org", organisation=cress,
                    actor=manager, now=now, committees=("technical",))
    propose(web_session, site, now, manager)
    web_session.commit()
    return site


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def first_proposal(session, site, committee="technical"):
    session.expire_all()
    return session.scalars(select(Meeting).where(Meeting.site_id == site.id, Meeting.committee_id == committee,
                                                 Meeting.status == "proposed").order_by(Meeting.starts_dt)).first()


def later(app, meeting, days=1):
    """Time passes: the app's clock moves past the meeting."""
    moment = meeting.starts_dt + timedelta(days=days)
    app.config["SETUPFLOW_NOW"] = lambda: moment
    return moment


def test_the_meetings_page_lists_the_proposals_and_a_lead_confirms_one(team_site, logged_in, web_session):
    client = logged_in("lead@example.test", "lead", sites=(team_site,))
    page = text_of(client.get(f"/sites/{team_site.id}/meetings"))
    assert "Réunions proposées" in page and "Confirmer" in page
    meeting = first_proposal(web_session, team_site)
    response = client.post(f"/sites/{team_site.id}/meetings/{meeting.id}/confirm")
    assert response.status_code == 303
    web_session.expire_all()
    meeting = web_session.get(Meeting, meeting.id)
    assert meeting.status == "scheduled"
    assert {a.person.name for a in meeting.attendees} == {"Maëlle Exemple", "Bastien Fictif"}


def test_the_meeting_page_shows_paris_time_in_french_and_the_partnership_agenda(team_site, logged_in, web_session):
    client = logged_in("lead@example.test", "lead", sites=(team_site,))
    meeting = first_proposal(web_session, team_site, "partnership")
    page = text_of(client.get(f"/sites/{team_site.id}/meetings/{meeting.id}"))
    local = meeting.starts_dt.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert f"{local:%H:%M}" in page
    assert any(day in page for day in ("lundi", "mardi", "mercredi", "jeudi", "vendredi"))
    for item in meeting.agenda:
        assert item.title in page
    assert len(meeting.agenda) == 3


def test_only_managers_generate_proposals(team_site, logged_in, web_session):
    lead = logged_in("lead@example.test", "lead", sites=(team_site,))
    assert lead.post(f"/sites/{team_site.id}/meetings/propose").status_code == 403
    cress = logged_in("cress@example.test", "cress", region="Bretagne")
    assert cress.post(f"/sites/{team_site.id}/meetings/propose").status_code == 303


def test_a_lead_schedules_a_meeting_by_hand_and_a_weekend_is_refused(team_site, logged_in, web_session):
    client = logged_in("lead@example.test", "lead", sites=(team_site,))
    url = f"/sites/{team_site.id}/meetings"
    refused = client.post(url, data={"committee": "technical", "day": "2027-03-06", "time": "14:00"})
    assert refused.status_code == 400 and "n'a pas été planifiée" in text_of(refused)
    assert 'value="2027-03-06"' in refused.get_data(as_text=True), "what was typed is kept"
    response = client.post(url, data={"committee": "technical", "day": "2027-03-09", "time": "14:00",
                                      "place": "Salle polyvalente"})
    assert response.status_code == 303
    web_session.expire_all()
    assert web_session.scalar(select(Meeting).where(Meeting.place == "Salle polyvalente")).status == "scheduled"


def test_a_held_meeting_gets_minutes_a_decision_of_its_stage_and_an_action(app, team_site, logged_in, web_session,
                                                                         manager):
    client = logged_in("lead@example.test", "lead", sites=(team_site,))
    meeting = first_proposal(web_session, team_site)
    base = f"/sites/{team_site.id}/meetings/{meeting.id}"
    client.post(f"{base}/confirm")
    later(app, meeting)
    web_session.expire_all()
    people = {a.person.name: a.person_id for a in web_session.get(Meeting, meeting.id).attendees}
    assert client.post(f"{base}/held", data={f"attendance_{people['Maëlle Exemple']}": "present",
                                             f"attendance_{people['Bastien Fictif']}": "excused"}).status_code == 303

    preview = client.post(f"{base}/minutes", data={"body": "# Relevé\n\n**Type retenu**", "based_on": "0",
                                                   "preview": "1"})
    text = text_of(preview)
    assert preview.status_code == 200 and "<strong>Type retenu</strong>" in text
    assert current_minutes(web_session, meeting) is None  # a preview saves nothing
    assert client.post(f"{base}/minutes", data={"body": "Premier jet", "based_on": "0"}).status_code == 303

    page = text_of(client.get(base))
    assert 'id="decision-structure_type"' not in page, "the structure type is not offered before the diagnostic"
    refused = client.post(f"{base}/decisions", data={"key": "structure_type", "value": "EA", "text": ""},
                          follow_redirects=True)
    assert "diagnostic" in text_of(refused)
    decided = client.post(f"{base}/decisions", data={"key": "", "text": "Le comité lance le diagnostic"})
    assert decided.status_code == 303
    web_session.expire_all()
    assert "structure_type" not in ops.current_decisions(web_session, team_site)
    [taken] = web_session.scalars(select(Decision).where(Decision.meeting_id == meeting.id))
    assert taken.text == "Le comité lance le diagnostic"

    client.post(f"{base}/actions", data={"text": "Demander les chiffres au greffe", "due_on": "2027-02-01",
                                         "owner": people["Bastien Fictif"]})
    item = web_session.scalar(select(ActionItem).where(ActionItem.meeting_id == meeting.id))
    assert item.owner.name == "Bastien Fictif" and item.status == "open"

    assert client.post(f"{base}/approve", data={"version": "1"}).status_code == 303
    web_session.expire_all()
    assert web_session.get(Meeting, meeting.id).status == "minutes_approved"


def test_a_stale_minutes_save_is_refused_and_keeps_the_text_typed(app, team_site, logged_in, web_session, manager,
                                                                    now):
    client = logged_in("lead@example.test", "lead", sites=(team_site,))
    meeting = meetings.schedule(web_session, team_site, "technical", "2027-01-04T08:00", manager,
                                now - timedelta(days=20))  # it has begun: minutes can be written
    save_minutes(web_session, meeting, "Version d'un collègue", 0, manager, now)
    web_session.commit()
    response = client.post(f"/sites/{team_site.id}/meetings/{meeting.id}/minutes",
                           data={"body": "Mon texte à ne pas perdre", "based_on": "0"})
    page = text_of(response)
    assert response.status_code == 409
    assert "Mon texte à ne pas perdre" in page and "n'a PAS été enregistré" in page
    web_session.expire_all()
    assert current_minutes(web_session, meeting).body_md == "Version d'un collègue"


def test_the_structure_type_is_refused_in_a_partnership_meeting(app, team_site, logged_in, web_session, manager,
                                                                now):
    client = logged_in("lead@example.test", "lead", sites=(team_site,))
    meeting = first_proposal(web_session, team_site, "partnership")
    meetings.confirm(web_session, meeting, manager, now)
    web_session.commit()
    later(app, meeting)
    page = text_of(client.get(f"/sites/{team_site.id}/meetings/{meeting.id}"))
    assert 'value="structure_type"' not in page
    client.post(f"/sites/{team_site.id}/meetings/{meeting.id}/decisions", data={"key": "structure_type",
                                                                               "value": "EA"})
    web_session.expire_all()
    assert "structure_type" not in ops.current_decisions(web_session, team_site)


@pytest.mark.parametrize("role", ("sponsor", "partner"))
def test_a_sponsor_or_partner_reads_a_meeting_but_cannot_change_it(role, team_site, logged_in, web_session):
    client = logged_in(f"{role}@example.test", role, sites=(team_site,))
    meeting = first_proposal(web_session, team_site)
    base = f"/sites/{team_site.id}/meetings/{meeting.id}"
    page = text_of(client.get(base))
    assert client.get(base).status_code == 200 and "Confirmer cette réunion" not in page
    for action in ("confirm", "cancel", "minutes", "decisions", "roles"):
        assert client.post(f"{base}/{action}", data={"body": "x", "based_on": "0"}).status_code == 403
    web_session.expire_all()
    assert web_session.get(Meeting, meeting.id).status == "proposed"


def test_roles_are_given_to_people_of_the_team_file(team_site, logged_in, web_session):
    client = logged_in("lead@example.test", "lead", sites=(team_site,))
    meeting = first_proposal(web_session, team_site)
    person = team.people_of(web_session, team_site)[0]
    client.post(f"/sites/{team_site.id}/meetings/{meeting.id}/roles", data={"role_facilitation": person.id})
    web_session.expire_all()
    roles = {r.role: r.person_id for r in web_session.get(Meeting, meeting.id).roles}
    assert roles == {"facilitation": person.id}


def test_a_meeting_moved_and_cancelled_from_its_page(team_site, logged_in, web_session):
    client = logged_in("lead@example.test", "lead", sites=(team_site,))
    meeting = first_proposal(web_session, team_site)
    base = f"/sites/{team_site.id}/meetings/{meeting.id}"
    client.post(f"{base}/move", data={"day": "2027-03-10", "time": "10:30", "reason": "salle prise"})
    web_session.expire_all()
    moved = web_session.get(Meeting, meeting.id)
    assert moved.status == "scheduled" and moved.sequence == 1
    assert moved.starts_dt.isoformat().startswith("2027-03-10T09:30")
    client.post(f"{base}/cancel", data={"reason": "grève"})
    web_session.expire_all()
    assert web_session.get(Meeting, meeting.id).status == "cancelled"
