"""The decision log, the action items, the team file and the project note in the web app:
each page renders, each change goes through the engine, and the roles that may not
change a thing are refused."""
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from setupflow.committees import actions, attendance, operations as meetings
from setupflow.committees.minutes import record_meeting_decision
from setupflow.committees.models import ActionItem, Meeting
from setupflow.documents.note import note_sections, save_note_section
from setupflow.sites import operations as ops
from setupflow.sites.decisions import search_decisions
from setupflow.sites.models import Decision
from setupflow.team import operations as team
from setupflow.team.models import Person

from web_fixtures import *  # noqa: F401,F403


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def busy_site(site_in, web_session, manager, now):
    """A site with two people, a held technical committee, a decision and two action items
    (one overdue tomorrow)."""
    site = site_in()
    ep = team.organisation_for(web_session, site, "ep", manager, now)
    alice = team.add_person(web_session, site, name="Alice Fictive", email="alice@example.org", organisation=ep,
                            actor=manager, now=now, committees=("technical",))
    bob = team.add_person(web_session, site, name="Bob Fictif", email="bob@example.org", organisation=ep,
                          actor=manager, now=now, committees=("technical",))
    meeting = meetings.schedule(web_session, site, "technical", "2027-01-04T09:00", manager, now)
    later = now + timedelta(hours=3)
    attendance.mark_held(web_session, meeting, {alice.id: "present", bob.id: "present"}, manager, later)
    record_meeting_decision(web_session, meeting, None, None, "Un ACI d'abord", manager, later)
    actions.add_action(web_session, meeting, "Relancer le greffe", alice, manager, now, due_on="2027-01-03")
    actions.add_action(web_session, meeting, "Préparer la visite", bob, manager, now, due_on="2027-02-01")
    web_session.commit()
    return site


def test_the_decision_log_searches_and_a_decision_is_replaced_with_a_reason(busy_site, logged_in, web_session):
    client = logged_in("lead@example.test", "lead", sites=(busy_site,))
    page = text_of(client.get(f"/sites/{busy_site.id}/decisions?q=aci"))
    assert "Un ACI d'abord" in page and "Prise en réunion" in page
    assert "Aucune décision trouvée" in text_of(client.get(f"/sites/{busy_site.id}/decisions?q=introuvable"))
    [old] = search_decisions(web_session, [busy_site.id], "ACI d'abord")
    refused = client.post(f"/sites/{busy_site.id}/decisions/{old.id}/supersede", data={"reason": ""})
    assert refused.status_code == 303
    web_session.expire_all()
    assert web_session.get(Decision, old.id).is_current
    client.post(f"/sites/{busy_site.id}/decisions/{old.id}/supersede",
                data={"reason": "le diagnostic montre des besoins liés au handicap"})
    web_session.expire_all()
    assert not web_session.get(Decision, old.id).is_current
    log = text_of(client.get(f"/sites/{busy_site.id}/decisions"))
    assert "remplacée\u00a0: le diagnostic montre des besoins liés au handicap" in log


def test_the_cross_site_search_is_for_cress_and_admins_and_stays_in_their_sites(busy_site, site_in, logged_in,
                                                                                  web_session, manager, now):
    elsewhere = site_in("Pays de la Loire", name="Atelier d'ailleurs")
    ops.record_decision(web_session, elsewhere, key=None, value=None, text="ACI secret d'ailleurs", actor=manager,
                        now=now)
    web_session.commit()
    cress = logged_in("cress@example.test", "cress", region="Bretagne")
    page = text_of(cress.get("/decisions?q=aci"))
    assert "Un ACI d'abord" in page and "ailleurs" not in page
    lead = logged_in("lead@example.test", "lead", sites=(busy_site,))
    assert lead.get("/decisions?q=aci").status_code == 403


def test_action_items_are_filtered_and_overdue_is_computed(busy_site, logged_in, web_session):
    client = logged_in("lead@example.test", "lead", sites=(busy_site,))
    overdue = text_of(client.get(f"/sites/{busy_site.id}/actions?show=overdue"))
    assert "Relancer le greffe" in overdue and "Préparer la visite" not in overdue
    item = web_session.scalar(select(ActionItem).where(ActionItem.text == "Relancer le greffe"))
    client.post(f"/sites/{busy_site.id}/actions/{item.id}/status", data={"status": "done"})
    done = text_of(client.get(f"/sites/{busy_site.id}/actions?show=done"))
    assert "Relancer le greffe" in done
    assert "Relancer le greffe" not in text_of(client.get(f"/sites/{busy_site.id}/actions?show=open"))


def test_a_partner_cannot_close_an_action_item(busy_site, logged_in, web_session):
    client = logged_in("partner@example.test", "partner", sites=(busy_site,))
    item = web_session.scalar(select(ActionItem).where(ActionItem.text == "Relancer le greffe"))
    assert client.post(f"/sites/{busy_site.id}/actions/{item.id}/status", data={"status": "done"}).status_code == 403
    web_session.expire_all()
    assert web_session.get(ActionItem, item.id).status == "open"


def test_the_team_file_adds_people_edits_seats_and_hands_over_when_someone_leaves(busy_site, logged_in, web_session):
    client = logged_in("lead@example.test", "lead", sites=(busy_site,))
    client.post(f"/sites/{busy_site.id}/team/organisations", data={"name": "DDETS fictive", "category": "ddets"})
    page = text_of(client.get(f"/sites/{busy_site.id}/team"))
    assert "DDETS fictive" in page and "Alice Fictive" in page
    org = web_session.scalar(select(Person).where(Person.name == "Alice Fictive")).organisation
    client.post(f"/sites/{busy_site.id}/team/people",
                data={"name": "Chloé Fictive", "email": "chloe@example.org", "organisation": org.id,
                      "language": "fr", "committees": ["partnership"]})
    chloe = web_session.scalar(select(Person).where(Person.name == "Chloé Fictive"))
    assert [m.committee_id for m in chloe.memberships] == ["partnership"]
    client.post(f"/sites/{busy_site.id}/team/people/{chloe.id}",
                data={"name": "Chloé Fictive", "email": "chloe@example.org", "organisation": org.id,
                      "language": "en", "committees": ["technical"]})
    web_session.expire_all()
    chloe = web_session.get(Person, chloe.id)
    assert chloe.language == "en"
    assert {m.committee_id for m in chloe.memberships if m.end_on is None} == {"technical"}

    alice = web_session.scalar(select(Person).where(Person.name == "Alice Fictive"))
    client.post(f"/sites/{busy_site.id}/team/people/{alice.id}/leaves", data={"successor": chloe.id})
    web_session.expire_all()
    assert web_session.get(Person, alice.id).left_on is not None
    item = web_session.scalar(select(ActionItem).where(ActionItem.text == "Relancer le greffe"))
    assert item.owner_id == chloe.id


def test_a_bad_email_in_the_team_file_says_so_and_adds_nobody(busy_site, logged_in, web_session):
    client = logged_in("lead@example.test", "lead", sites=(busy_site,))
    org = web_session.scalar(select(Person)).organisation
    response = client.post(f"/sites/{busy_site.id}/team/people", follow_redirects=True,
                           data={"name": "X", "email": "pas-un-courriel", "organisation": org.id})
    assert "La personne n'a pas été ajoutée\u00a0: «\u00a0pas-un-courriel\u00a0» n’est pas une adresse électronique." in text_of(response)
    assert web_session.scalar(select(Person).where(Person.name == "X")) is None


@pytest.mark.parametrize("role", ("sponsor", "partner"))
def test_a_sponsor_or_partner_reads_the_team_file_but_cannot_change_it(role, busy_site, logged_in, web_session):
    client = logged_in(f"{role}@example.test", role, sites=(busy_site,))
    assert "Alice Fictive" in text_of(client.get(f"/sites/{busy_site.id}/team"))
    alice = web_session.scalar(select(Person).where(Person.name == "Alice Fictive"))
    assert client.post(f"/sites/{busy_site.id}/team/people/{alice.id}", data={"name": "Y"}).status_code == 403
    assert client.post(f"/sites/{busy_site.id}/note/objectives", data={"body": "x", "based_on": "0"}).status_code == 403


def test_a_note_section_is_previewed_saved_and_a_stale_save_keeps_the_text(busy_site, logged_in, web_session,
                                                                            manager, now):
    client = logged_in("lead@example.test", "lead", sites=(busy_site,))
    url = f"/sites/{busy_site.id}/note/objectives"
    preview = client.post(url, data={"body": "Ouvrir **un atelier**", "based_on": "0", "preview": "1"})
    assert "<strong>un atelier</strong>" in text_of(preview)
    assert note_sections(web_session, busy_site)["objectives"] is None
    assert client.post(url, data={"body": "Ouvrir un atelier", "based_on": "0"}).status_code == 303
    web_session.expire_all()  # the request moved the site's version on
    save_note_section(web_session, busy_site, "objectives", "Texte d'un collègue", 1, manager, now)
    web_session.commit()
    stale = client.post(url, data={"body": "Mon objectif à garder", "based_on": "1"})
    assert stale.status_code == 409 and "Mon objectif à garder" in text_of(stale)
    web_session.expire_all()
    assert note_sections(web_session, busy_site)["objectives"].body_md == "Texte d'un collègue"


@pytest.mark.parametrize("path, content_type, start", [
    ("documents/project_note.pdf", "application/pdf", b"%PDF"),
    ("documents/team_file.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
    ("documents/decisions.html", "text/html; charset=utf-8", b"<!DOCTYPE"),
])
def test_site_documents_download_as_attachments(path, content_type, start, busy_site, logged_in):
    client = logged_in("partner@example.test", "partner", sites=(busy_site,))
    response = client.get(f"/sites/{busy_site.id}/{path}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data[:20].upper().startswith(start.upper())


def test_meeting_documents_download_and_an_unknown_format_is_404(busy_site, logged_in, web_session):
    client = logged_in("lead@example.test", "lead", sites=(busy_site,))
    meeting = web_session.scalar(select(Meeting).where(Meeting.site_id == busy_site.id))
    ics = client.get(f"/sites/{busy_site.id}/meetings/{meeting.id}/documents/invitation.ics")
    assert ics.headers["Content-Type"].startswith("text/calendar") and b"BEGIN:VCALENDAR" in ics.data
    minutes = client.get(f"/sites/{busy_site.id}/meetings/{meeting.id}/documents/minutes.pdf")
    assert minutes.data.startswith(b"%PDF")
    assert client.get(f"/sites/{busy_site.id}/meetings/{meeting.id}/documents/minutes.docx").status_code == 404
    assert client.get(f"/sites/{busy_site.id}/documents/nothing.pdf").status_code == 404


def test_the_site_pages_share_a_sub_navigation_marking_the_current_page(busy_site, logged_in):
    client = logged_in("lead@example.test", "lead", sites=(busy_site,))
    for path, label in (("", "Vue d'ensemble"), ("/meetings", "Réunions"), ("/decisions", "Journal des décisions"),
                        ("/actions", "Actions à mener"), ("/team", "Fichier de l'équipe projet"),
                        ("/note", "Note de projet")):
        page = text_of(client.get(f"/sites/{busy_site.id}{path}"))
        assert 'aria-label="Rubriques du site"' in page
        assert f'aria-current="page">{label}</a>' in page, path
