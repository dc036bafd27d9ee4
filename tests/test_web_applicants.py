"""Candidates apply on the web: a public page per open call, an applicant account opened by
an e-mailed link, a draft completed later, files, a submission refused after the closing
minute with the closing time, the status; an applicant reaches nothing of anyone else.
Committee members review the applications of their own call only and cannot score one they
declared a conflict of interest on."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from setupflow.calls import operations as calls
from setupflow.calls.models import Application, Score
from setupflow.reminders.models import Reminder

from web_fixtures import *  # noqa: F401,F403
from web_fixtures import PASSWORD, SQLITE_ONLY, Browser


@pytest.fixture
def web_db(db):
    """Who reaches which application is checked in the queries: on SQLite and on PostgreSQL."""
    return db


@pytest.fixture
def published_call(site_in, web_walk, web_session, manager, now):
    """A site in the call stage whose AMI is published today and closes on 2027-03-20 (Paris)."""
    site = web_walk(site_in("Bretagne", name="Atelier suivi"), "call")
    call = calls.create_call(web_session, site, "ami", actor=manager, now=now)
    calls.edit_call(web_session, site, call, actor=manager, now=now, body="Nous cherchons une structure porteuse.")
    calls.publish_call(web_session, site, call, published_on=now.date(), closes_on="2027-03-20", actor=manager,
                       now=now)
    web_session.commit()
    return site, call


def applicant_client(app, person, email="candidate@example.test", sites=()):
    person(email, "applicant", sites=sites)
    client = Browser(app.test_client())
    assert client.login(email).status_code == 302
    return client


def test_anyone_reads_an_open_call_and_a_draft_call_stays_private(app, browser, published_call, web_session, manager,
                                                                   now):
    site, call = published_call
    listing = browser.get("/open-calls").get_data(as_text=True)
    assert f"/open-calls/sites/{call.id}" in listing
    page = browser.get(f"/open-calls/sites/{call.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Nous cherchons une structure porteuse." in text and "23:59" in text and "Europe/Paris" in text
    draft = calls.create_call(web_session, site, "applications", actor=manager, now=now) \
        if any(k.id == "applications" for k in calls.workflow_of(site).work.calls) else None
    web_session.commit()
    if draft is not None:
        assert browser.get(f"/open-calls/sites/{draft.id}").status_code == 404
    assert browser.get("/open-calls/sites/999999").status_code == 404


def test_an_applicant_account_is_opened_by_an_e_mailed_link(app, browser, published_call, web_session):
    site, call = published_call
    response = browser.post("/open-calls/account", data={"name": "Sacha Candidate", "email": "Sacha@Example.test",
                                                         "language": "fr", "back": f"/open-calls/sites/{call.id}"})
    assert response.status_code == 303
    invitation = web_session.scalar(select(Reminder).where(Reminder.template == "account_invitation"))
    assert invitation.recipient == "sacha@example.test" and invitation.language == "fr"
    welcome = invitation.context["path"]
    assert browser.post(welcome, data={"password": PASSWORD, "password_again": PASSWORD}).status_code == 302
    assert browser.login("sacha@example.test").headers["Location"].endswith("/")
    assert browser.get("/").headers["Location"].endswith("/candidacies")
    # asking again for an address that has an account answers the same and opens nothing new
    again = browser.post("/open-calls/account", data={"name": "X", "email": "sacha@example.test",
                                                      "back": f"/open-calls/sites/{call.id}"})
    assert again.status_code == 303


def test_a_draft_is_completed_later_then_submitted_with_a_receipt_and_a_status(app, person, published_call,
                                                                                web_session, now):
    site, call = published_call
    client = applicant_client(app, person)
    start = client.post(f"/open-calls/sites/{call.id}/apply")
    assert start.status_code == 303
    page_url = start.headers["Location"]
    assert client.post(page_url, data={"organisation": "Les Ateliers (fictifs)", "save": "1"}).status_code == 303
    assert web_session.scalars(select(Application)).all() == []  # a draft is nobody else's business
    upload = client.post(f"{page_url}/files", data={"file": (__import__("io").BytesIO(b"%PDF-1.4 x"), "offre.pdf")},
                         content_type="multipart/form-data")
    assert upload.status_code == 303
    incomplete = client.post(page_url, data={"organisation": "Les Ateliers (fictifs)", "submit": "1"})
    assert incomplete.status_code == 400
    assert 'value="Les Ateliers (fictifs)"' in incomplete.get_data(as_text=True)  # what was typed is kept
    done = client.post(page_url, data={"organisation": "Les Ateliers (fictifs)", "legal_status": "association",
                                       "activity": "Blanchisserie", "submit": "1"})
    assert done.status_code == 303
    web_session.expire_all()
    application = web_session.scalar(select(Application))
    assert application.organisation == "Les Ateliers (fictifs)" and [f.original_name for f in application.files] == [
        "offre.pdf"]
    assert web_session.scalar(select(Reminder).where(Reminder.template == "application_receipt")) is not None
    page = client.get(page_url).get_data(as_text=True)
    assert "Reçue" in page
    assert "Reçue" in client.get("/candidacies").get_data(as_text=True)


def test_a_submission_one_minute_after_closing_is_refused_with_the_closing_time(app, person, published_call,
                                                                                 web_session, now):
    _site, call = published_call
    client = applicant_client(app, person)
    page_url = client.post(f"/open-calls/sites/{call.id}/apply").headers["Location"]
    # the app's clock moves to 21 March 00:00 in Paris (20 March 23:00 UTC): one minute after 23:59
    app.config["SETUPFLOW_NOW"] = lambda: now.replace(month=3, day=20, hour=23, minute=0)
    refused = client.post(page_url, data={"organisation": "En retard (fictive)", "legal_status": "association",
                                          "activity": "x", "submit": "1"})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "20 mars 2027" in text and "23:59" in text and "Europe/Paris" in text
    assert web_session.scalars(select(Application)).all() == []


def test_an_applicant_reaches_nothing_of_another_candidate_nor_any_site(app, person, published_call, web_session,
                                                                         now):
    site, call = published_call
    theirs = applicant_client(app, person, "theirs@example.test")
    their_page = theirs.post(f"/open-calls/sites/{call.id}/apply").headers["Location"]
    theirs.post(f"{their_page}/files", data={"file": (__import__("io").BytesIO(b"%PDF-1.4 y"), "leur.pdf")},
                content_type="multipart/form-data")
    their_id = int(their_page.rsplit("/", 1)[1])
    from setupflow.applicants.models import CandidacyFile

    their_file = web_session.scalar(select(CandidacyFile)).id
    mine = applicant_client(app, person, "mine@example.test")
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "applicants" or "candidacy_id" not in rule.arguments:
            continue
        url = rule.build({"candidacy_id": their_id, "file_id": their_file})[1]
        if "GET" in rule.methods:
            assert mine.get(url).status_code == 404, url
        if "POST" in rule.methods:
            assert mine.post(url, data={"organisation": "Pirate", "submit": "1"}).status_code == 404, url
        checked += 1
    assert checked >= 4
    assert mine.get(f"/sites/{site.id}/calls/{call.id}").status_code == 404
    assert mine.get(f"/reviews/calls/{call.id}").status_code == 404


def test_a_committee_member_reviews_its_own_call_and_cannot_score_after_declaring_a_conflict(
        app, person, published_call, web_session, manager, now):
    from setupflow.calls import applications as apps
    from setupflow.team import operations as team

    site, call = published_call
    application = apps.add_application(web_session, site, call, organisation="Coop Demain (fictive)",
                                       legal_status="SCIC", activity="Menuiserie", actor=manager, now=now)
    org = team.organisation_for(web_session, site, "ddets", manager, now)
    team.add_person(web_session, site, name="Camille Jury", email="jury@example.test", organisation=org,
                    actor=manager, now=now, committees=("technical",))
    web_session.commit()
    person("jury@example.test", "partner", sites=(site,))
    person("outsider@example.test", "partner", sites=(site,))
    jury = Browser(app.test_client())
    jury.login("jury@example.test")
    outsider = Browser(app.test_client())
    outsider.login("outsider@example.test")
    assert f"/reviews/calls/{call.id}" in jury.get("/reviews").get_data(as_text=True)
    assert "Coop Demain (fictive)" in jury.get(f"/reviews/calls/{call.id}").get_data(as_text=True)
    assert outsider.get(f"/reviews/calls/{call.id}").status_code == 404
    base = f"/reviews/calls/{call.id}/applications/{application.id}"
    assert outsider.post(f"{base}/conflict").status_code == 404
    assert jury.post(f"{base}/conflict", data={"reason": "administratrice"}).status_code == 303
    scores = {f"score-{c['id']}": "4" for c in call.criteria}
    assert jury.post(f"{base}/scores", data=scores).status_code == 303
    web_session.expire_all()
    assert web_session.scalars(select(Score)).all() == []
    page = jury.get(f"/reviews/calls/{call.id}").get_data(as_text=True)
    assert "conflit d’intérêts" in page or "conflit d'intérêts" in page
    lead = Browser(app.test_client())
    person("lead@example.test", "lead", sites=(site,))
    lead.login("lead@example.test")
    staff_page = lead.get(f"/sites/{site.id}/calls/{call.id}").get_data(as_text=True)
    assert "ne la note pas" in staff_page and "Camille Jury" in staff_page


@SQLITE_ONLY
def test_the_public_pages_need_no_login_and_the_others_do(app, browser):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("applicants", "reviews") or "GET" not in rule.methods:
            continue
        url = rule.build({k: 999999 for k in rule.arguments})[1]
        status = browser.get(url).status_code
        if rule.rule.startswith("/open-calls"):
            assert status in (200, 404), url
        else:
            assert status == 302, url


@SQLITE_ONLY
def test_an_applicant_sees_no_site_and_no_programme_anywhere(app, person, published_call):
    """Every page without an id, as an applicant: it answers (never a server error) and lists
    no site; the site's own pages are 404."""
    site, call = published_call
    client = applicant_client(app, person, sites=(site,))  # even assigned to the site by mistake
    for rule in app.url_map.iter_rules():
        if rule.arguments or "GET" not in rule.methods or rule.rule.startswith(("/static", "/auth/proconnect")):
            continue
        response = client.get(rule.rule)
        assert response.status_code in (200, 302, 303, 403, 404), f"GET {rule.rule}: {response.status_code}"
        if response.mimetype == "text/html" and not rule.rule.startswith("/open-calls"):  # a public call names its site
            assert "Atelier suivi" not in response.get_data(as_text=True), rule.rule
    assert client.get(f"/sites/{site.id}").status_code == 404


def test_only_the_editions_committee_reviews_it_and_only_it_and_the_staff_download_its_files(
        app, person, web_session, manager, now, tmp_path):
    """Every reviewer's route of a programme edition: 404 to a laureate and to someone with no
    part; the edition's committee member reads it; a programme application's file goes to the
    committee and the staff only."""
    from setupflow.applicants.operations import attach_programme_file
    from setupflow.definitions.programmes import load_programmes
    from setupflow.programmes import operations as ops
    from setupflow.programmes.models import Laureate, ProgrammeApplication

    from tests.conftest import WORKFLOWS
    from tests.test_web_access import programme_objects

    ids = programme_objects(web_session, manager)
    programme = load_programmes([WORKFLOWS]).get("actice")
    application = web_session.get(ProgrammeApplication, ids["application_id"])
    stored = attach_programme_file(web_session, programme, application, field="budget", data_dir=tmp_path,
                                   original_name="budget.pdf", data=b"%PDF-1.4 budget", actor=manager, now=now)
    edition = web_session.get(Laureate, ids["own_laureate"]).edition
    parts = {"committee": person("committee@example.test", "partner"),
             "laureate": person("laureate@example.test", "partner"),
             "staff": person("staff@example.test", "partner"), "nobody": person("nobody@example.test", "partner")}
    ops.add_member(web_session, programme, parts["committee"].id, "committee", now=now, edition=edition)
    ops.add_member(web_session, programme, parts["laureate"].id, "laureate", now=now,
                   laureate=web_session.get(Laureate, ids["own_laureate"]))
    ops.add_member(web_session, programme, parts["staff"].id, "staff", now=now)
    web_session.commit()
    values = {"edition_id": edition.id, "application_id": application.id, "file_id": stored.id}
    file_url = f"/reviews/editions/{edition.id}/applications/{application.id}/files/{stored.id}"
    for part in parts:
        client = Browser(app.test_client())
        client.login(f"{part}@example.test")
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("reviews.") or "edition_id" not in rule.arguments:
                continue
            url = rule.build({k: values[k] for k in rule.arguments})[1]
            if "GET" in rule.methods:
                expected = 200 if part == "committee" or (part == "staff" and url == file_url) else 404
                assert client.get(url).status_code == expected, f"GET {url} as {part}"
            elif part != "committee":
                assert client.post(url, data={"reason": "x"}).status_code == 404, f"POST {url} as {part}"
    staff = Browser(app.test_client())
    staff.login("staff@example.test")
    page = staff.get(f"/programmes/actice/editions/{edition.id}").get_data(as_text=True)
    assert file_url in page


def test_a_programme_candidate_answers_the_full_file_without_typing_its_expression_of_interest_again(
        app, person, web_session, manager, now):
    from setupflow.definitions.programmes import load_programmes
    from setupflow.programmes import operations as ops
    from setupflow.programmes.models import ProgrammeApplication

    from tests.conftest import WORKFLOWS

    actice = load_programmes([WORKFLOWS]).get("actice")
    edition = ops.open_edition(web_session, actice, label="Promotion fictive", starts_on="2027-01-04", actor=manager,
                               now=now)
    ops.publish_call(web_session, actice, edition, published_on="2027-01-04", actor=manager, now=now)
    web_session.commit()
    anonymous = Browser(app.test_client())
    public = anonymous.get(f"/open-calls/editions/{edition.id}").get_data(as_text=True)
    assert "Manifestation d'intérêt" in public or "Manifestation d&#39;intérêt" in public
    assert f"/open-calls/editions/{edition.id}" in anonymous.get("/open-calls").get_data(as_text=True)
    client = applicant_client(app, person)
    page_url = client.post(f"/open-calls/editions/{edition.id}/apply").headers["Location"]
    interest = {"project": "Projet Lagon", "organisation": "Asso Lagon (fictive)", "department": "974",
                "purpose": "Former en détention"}
    assert client.post(page_url, data={**interest, "submit": "1"}).status_code == 303
    application = web_session.scalar(select(ProgrammeApplication))
    ops.request_full_file(web_session, actice, edition, application, actor=manager, now=now)
    web_session.commit()
    page = client.get(page_url).get_data(as_text=True)
    assert "Présélectionnée" in page and 'name="project"' not in page
    assert "<dt>Nom du projet</dt><dd>Projet Lagon</dd>" in page  # shown under its question, not typed again
    app.config["SETUPFLOW_NOW"] = lambda: now + timedelta(days=36)
    full = {"justice_link": "Ateliers en détention", "economic_model": "Subventions", "team": "Deux salariés"}
    assert client.post(page_url, data={**full, "submit": "1"}).status_code == 303
    web_session.expire_all()
    application = web_session.scalar(select(ProgrammeApplication))
    assert application.status == "full_file"
    assert application.answers["full_file"]["project"] == "Projet Lagon"
    assert "Dossier complet reçu" in client.get(page_url).get_data(as_text=True)


def test_after_the_selection_the_sponsor_sees_its_outcome_and_still_no_other_candidate(
        app, person, published_call, web_session, manager, now):
    from setupflow.calls import applications as apps
    from setupflow.demo_work import held_meeting
    from setupflow.team import operations as team

    site, call = published_call
    ours = apps.add_application(web_session, site, call, organisation="Les Ateliers du Marais (fictifs)",
                                legal_status="association", activity="Blanchisserie", actor=manager, now=now)
    apps.add_application(web_session, site, call, organisation="Coop Voisine (fictive)", legal_status="SCIC",
                         activity="Menuiserie", actor=manager, now=now)
    org = team.organisation_for(web_session, site, "Les Ateliers du Marais (fictifs)", manager, now,
                                category="sponsor")
    team.add_person(web_session, site, name="Sacha Porteuse", email="sponsor@example.test", organisation=org,
                    actor=manager, now=now)
    web_session.commit()
    person("sponsor@example.test", "sponsor", sites=(site,))
    client = Browser(app.test_client())
    client.login("sponsor@example.test")
    before = client.get(f"/sites/{site.id}/calls/{call.id}").get_data(as_text=True)
    assert "Les Ateliers du Marais (fictifs)" in before and "Reçue" in before and "Coop Voisine" not in before
    later = now + timedelta(days=80)
    meeting = held_meeting(web_session, site, "technical", manager, later)
    apps.select_applications(web_session, site, call, [ours.id], actor=manager, now=later, meeting=meeting)
    web_session.commit()
    after = client.get(f"/sites/{site.id}/calls/{call.id}").get_data(as_text=True)
    assert "Retenue" in after and "Coop Voisine" not in after and "Menuiserie" not in after
