"""Nobody reaches a site outside their scope: every URL of a site answers 404 to GET and
403/404 to POST, and nothing changes. The routes are read from the app's URL map, so a
new route cannot escape the check."""

import pytest
from sqlalchemy import func, select

from setupflow.accounts.models import User, UserSite
from setupflow.committees.models import ActionItem, Attendee, Meeting, MeetingRole, MinutesRevision
from setupflow.documents.models import SectionRevision
from setupflow.sites.models import Decision, HistoryEntry, Site, SiteTask
from setupflow.team.models import Membership, Organisation, Person

from web_fixtures import *  # noqa: F401,F403
from web_fixtures import SQLITE_ONLY


@pytest.fixture
def web_db(db):
    """Scope is checked in the queries: on SQLite and on PostgreSQL."""
    return db


# every site is in an admin's scope, so admins have no "outside" site to be refused
ROLES = ("cress", "lead", "sponsor", "partner")


def site_rules(app):
    return [rule for rule in app.url_map.iter_rules() if any(a == "site_id" or a.endswith("site_id")
                                                             for a in rule.arguments)]


OBJECT_IDS = ("call_id", "application_id", "file_id", "line_id", "meeting_id", "person_id", "action_id",
              "decision_id", "reminder_id", "hypothesis_id")


def fill(rule, ids: dict):
    """The rule's URL with the ids of one site's objects (see ``site_objects``)."""
    values = {}
    for arg in rule.arguments:
        if arg.endswith("site_id"):
            values[arg] = ids["site_id"]
        elif arg == "kind":
            values[arg] = "agenda" if "meeting_id" in rule.arguments else "decisions"
        elif arg == "change":
            values[arg] = "hold"
        elif arg == "fmt":
            values[arg] = "pdf" if "file_id" in rule.arguments or "call_id" in rule.arguments else "html"
        elif arg in ids:
            values[arg] = ids[arg]
        else:
            values[arg] = ids["task_key"]
    return rule.build(values)[1]


def site_objects(session, site, manager, now, data_dir) -> dict:
    """One of every object a site URL can name, in ``site``: a team member, a held meeting
    with a decision and an action item, a published call with an application and its file,
    a budget line; so every route is exercised with real objects of the site."""
    from datetime import timedelta

    from setupflow.budget.operations import add_line
    from setupflow.calls import applications, files
    from setupflow.calls import operations as calls
    from setupflow.committees import actions, attendance, operations as meetings
    from setupflow.committees.minutes import record_meeting_decision
    from setupflow.team import operations as team

    org = team.organisation_for(session, site, "ep", manager, now)
    someone = team.add_person(session, site, name=f"Personne {site.id}", email=f"p{site.id}@example.org",
                              organisation=org, actor=manager, now=now, committees=("technical",))
    meeting = meetings.schedule(session, site, "technical", "2027-01-04T09:00", manager, now)
    attendance.mark_held(session, meeting, {someone.id: "present"}, manager, now + timedelta(hours=3))
    decision = record_meeting_decision(session, meeting, None, None, "Une décision libre", manager,
                                       now + timedelta(hours=3))
    item = actions.add_action(session, meeting, "Une action", someone, manager, now)
    call = calls.create_call(session, site, None, actor=manager, now=now)
    calls.edit_call(session, site, call, actor=manager, now=now, body="Texte", needs="Besoins")
    calls.publish_call(session, site, call, published_on="2027-01-04", closes_on="2027-03-15", actor=manager, now=now)
    application = applications.add_application(session, site, call, organisation="Asso fictive", legal_status="SCOP",
                                               activity="Menuiserie", actor=manager, now=now)
    file = files.attach_file(session, site, application, data_dir=data_dir, original_name="offre.pdf",
                             data=b"%PDF-1.4 fictive", actor=manager, now=now)
    line = add_line(session, site, kind="expense", category="fitting", label="Travaux", planned="1000",
                    actor=manager, now=now)
    from setupflow.reminders.models import Reminder
    from setupflow.reminders.operations import plan_site

    coming = meetings.schedule(session, site, "technical", "2027-03-09T14:00", manager, now)
    plan_site(session, site, now)
    reminder = session.scalar(select(Reminder).where(Reminder.subject == f"meeting:{coming.id}").limit(1))
    from setupflow.diagnostic.operations import add_hypothesis

    hypothesis = add_hypothesis(session, site, "Hypothèse de départ fictive", actor=manager, now=now)
    session.commit()
    return {"site_id": site.id, "task_key": "directorates_buy_in", "meeting_id": meeting.id,
            "reminder_id": reminder.id,
            "person_id": someone.id, "action_id": item.id, "decision_id": decision.id,
            "section": "objectives", "organisation": org.id, "call_id": call.id,
            "application_id": application.id, "file_id": file.id, "line_id": line.id,
            "hypothesis_id": hypothesis.id}


def snapshot(session):
    session.expire_all()
    return (tuple(session.execute(select(Site.id, Site.stage, Site.version_id).order_by(Site.id))),
            tuple(session.execute(select(Meeting.id, Meeting.status, Meeting.sequence).order_by(Meeting.id))),
            tuple(session.execute(select(ActionItem.id, ActionItem.status).order_by(ActionItem.id))),
            tuple(session.execute(select(Person.id, Person.name, Person.left_on).order_by(Person.id))),
            *(session.scalar(select(func.count()).select_from(model))
              for model in (SiteTask, Decision, HistoryEntry, User, UserSite, Organisation, Membership, Attendee,
                            MeetingRole, MinutesRevision, SectionRevision)))


FORM = {"done": "1", "key": "structure_type", "value": "EA", "text": "x", "stage": "plan", "reason": "because",
        "supersede_reason": "because", "email": "new.lead@example.test", "name": "New Lead",
        "password": "un-long-mot-de-passe", "language": "fr", "body": "x", "based_on": "0",
        "committee": "technical", "day": "2027-03-09", "time": "14:00", "status": "done", "category": "ep",
        "agenda": "x", "version": "1"}


def form_for(ids: dict) -> dict:
    """The form, naming the people and organisation of the same site as the URL."""
    return {**FORM, "person": ids["person_id"], "owner": ids["person_id"], "successor": ids["person_id"],
            "organisation": ids["organisation"], "role_agenda": ids["person_id"]}


@SQLITE_ONLY
def test_every_url_under_sites_names_its_site_id(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/sites/<"):
            assert "site_id" in rule.arguments, f"{rule.rule}: a site route must take <site_id>"
    names = {rule.endpoint for rule in site_rules(app)}
    assert {"sites.show", "sites.tick", "sites.decide", "sites.advance", "sites.reopen", "sites.lead"} <= names
    assert {"diagnostic.show", "calls.show", "calls.download", "calls.upload", "support.show", "budget.show",
            "budget.change"} <= names
    assert {"meetings.show", "meetings.save_minutes", "decisions.index", "actions.status", "team.leaves",
            "documents.site_document", "documents.meeting_document", "documents.save_section"} <= names


@pytest.mark.parametrize("role", ROLES)
def test_a_site_outside_the_persons_scope_is_404_on_every_url(app, role, site_in, logged_in, web_session, manager,
                                                              now, tmp_path):
    own = site_in("Bretagne", name="Atelier suivi")
    other = site_in("Pays de la Loire", name="Atelier d'ailleurs")
    own_ids = site_objects(web_session, own, manager, now, tmp_path)
    other_ids = site_objects(web_session, other, manager, now, tmp_path)
    client = logged_in(f"{role}@example.test", role, region="Bretagne" if role == "cress" else None,
                       sites=() if role == "cress" else (own,))
    before = snapshot(web_session)
    checked = 0
    for rule in site_rules(app):
        url = fill(rule, other_ids)
        names_objects = any(arg in OBJECT_IDS for arg in rule.arguments)
        # the person's own site with another site's objects in the URL is refused too
        mixed = fill(rule, {**other_ids, "site_id": own.id})
        for target in (url, mixed) if names_objects else (url,):
            if "GET" in rule.methods:
                assert client.get(target).status_code == 404, f"GET {target} as {role}"
                checked += 1
            if "POST" in rule.methods:
                status = client.post(target, data=form_for(other_ids)).status_code
                assert status in (403, 404), f"POST {target} as {role} answered {status}"
                checked += 1
        # the person's own site is reachable: the 404 above is about scope, not a broken route
        if "GET" in rule.methods:
            # a sponsor downloads the files of its own application only (see below)
            expected = (200, 403, 404) if role == "sponsor" and "application_id" in rule.arguments else (200, 403)
            assert client.get(fill(rule, own_ids)).status_code in expected, f"GET own {url}"
    assert checked >= 30
    assert snapshot(web_session) == before


def test_a_partner_sees_their_site_but_cannot_change_it(site_in, logged_in, web_session):
    site = site_in()
    client = logged_in("partner@example.test", "partner", sites=(site,))
    assert client.get(f"/sites/{site.id}").status_code == 200
    before = snapshot(web_session)
    assert client.post(f"/sites/{site.id}/tasks/directorates_buy_in", data={"done": "1"}).status_code == 403
    assert client.post(f"/sites/{site.id}/advance").status_code == 403
    assert snapshot(web_session) == before


@SQLITE_ONLY
def test_without_login_a_site_page_sends_to_the_login_page(browser, site_in):
    site = site_in()
    response = browser.get(f"/sites/{site.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_the_portfolio_and_its_export_list_only_the_persons_sites(role, site_in, logged_in):
    own = site_in("Bretagne", name="Atelier suivi")
    site_in("Pays de la Loire", name="Atelier d'ailleurs")
    client = logged_in(f"{role}@example.test", role, region="Bretagne" if role == "cress" else None,
                       sites=() if role == "cress" else (own,))
    for url in ("/portfolio", "/portfolio.csv"):
        body = client.get(url).get_data(as_text=True)
        assert "Atelier suivi" in body and "ailleurs" not in body, url


def test_an_object_of_another_site_is_404_under_the_persons_own_site(app, site_in, logged_in, web_session,
                                                                     manager, now, tmp_path):
    """/sites/<own>/meetings/<a meeting of another site>: no way round the scope through an object id."""
    own = site_in("Bretagne", name="Atelier suivi")
    other = site_in("Pays de la Loire", name="Atelier d'ailleurs")
    own_ids = site_objects(web_session, own, manager, now, tmp_path)
    other_ids = site_objects(web_session, other, manager, now, tmp_path)
    client = logged_in("lead@example.test", "lead", sites=(own,))
    mixed = {**other_ids, "site_id": own.id}
    before = snapshot(web_session)
    checked = 0
    for rule in site_rules(app):
        if not set(rule.arguments) & set(OBJECT_IDS):
            continue
        url = fill(rule, mixed)
        if "GET" in rule.methods:
            assert client.get(url).status_code == 404, f"GET {url}"
            assert client.get(fill(rule, own_ids)).status_code == 200, f"GET own {rule.rule}"
        if "POST" in rule.methods:
            assert client.post(url, data=form_for(other_ids)).status_code == 404, f"POST {url}"
        checked += 1
    assert checked >= 15
    assert snapshot(web_session) == before


# -- programmes: every URL names its programme; a person with no part in it gets 404 -----------

def programme_rules(app):
    return [rule for rule in app.url_map.iter_rules() if "programme_id" in rule.arguments]


def programme_objects(session, manager) -> dict:
    """An Act'ice promotion past its selection: two laureates, a declined application, the
    committee's held meeting, a follow-up and a report; one of every object a programme URL names."""
    from datetime import datetime, timedelta, timezone

    from setupflow.definitions.programmes import load_programmes
    from setupflow.programmes import operations as ops

    from tests.conftest import WORKFLOWS

    programme = load_programmes([WORKFLOWS]).get("actice")
    start = datetime(2026, 10, 1, 9, tzinfo=timezone.utc)
    edition = ops.open_edition(session, programme, label="Promotion fictive", starts_on="2026-10-01", actor=manager,
                               now=start)
    ops.publish_call(session, programme, edition, published_on="2026-10-01", actor=manager, now=start)
    apps = []
    for name in ("Alpha", "Beta", "Gamma"):
        a = ops.add_application(session, programme, edition, actor=manager, now=start, answers={
            "project": f"Projet {name}", "organisation": f"Asso {name}", "department": "69", "purpose": "Fictif"})
        ops.request_full_file(session, programme, edition, a, actor=manager, now=start)
        ops.submit_full_file(session, programme, edition, a, actor=manager, now=start + timedelta(days=40),
                             answers={"justice_link": "x", "economic_model": "y", "team": "z"})
        apps.append(a)
    after = start + timedelta(days=70)
    meeting = ops.schedule_meeting(session, programme, edition, kind="selection", starts_dt=after, now=after)
    ops.mark_held(session, programme, meeting, present=["chair_magistrate", "disp", "atigip", "funder"], now=after)
    ops.select_laureates(session, programme, edition, meeting, [apps[0].id, apps[1].id], actor=manager, now=after)
    alpha, beta = edition.laureates
    follow_up = ops.schedule_meeting(session, programme, edition, kind="follow_up", starts_dt=after, now=after,
                                     laureate=beta)
    ops.report(session, programme, edition, beta, period="2027-Q1", values={"volunteers": 3}, actor=manager, now=after)
    session.commit()
    return {"programme_id": "actice", "edition_id": edition.id, "application_id": apps[2].id,
            "meeting_id": follow_up.id, "laureate_id": beta.id, "own_laureate": alpha.id, "section": "difficulties",
            "fmt": "html"}


def programme_snapshot(session):
    from setupflow.committees.models import Meeting, MinutesRevision
    from setupflow.programmes.models import Edition, Laureate, ProgrammeMember, ProgrammeScore, Report, ReportValue

    session.expire_all()
    return (tuple(session.execute(select(Edition.id, Edition.status, Edition.version_id, Edition.review_texts)
                                  .order_by(Edition.id))),
            tuple(session.execute(select(Meeting.id, Meeting.status, Meeting.sequence, Meeting.place)
                                  .where(Meeting.edition_id.is_not(None)).order_by(Meeting.id))),
            *(session.scalar(select(func.count()).select_from(model))
              for model in (Edition, Laureate, Meeting, MinutesRevision, ProgrammeMember, ProgrammeScore, Report,
                            ReportValue)))


PROGRAMME_FORM = {"label": "Promotion pirate", "starts_on": "2027-01-01", "published_on": "2027-01-01",
                  "project": "x", "organisation": "x", "department": "69", "purpose": "x", "justice_link": "x",
                  "economic_model": "x", "team": "x", "score_justice_link": "5", "member": "x", "kind": "selection",
                  "day": "2026-12-01", "time": "10:00", "present": "chair_magistrate", "applications": "1",
                  "period": "2027-Q2", "volunteers": "4", "text": "x"}


@SQLITE_ONLY
def test_every_url_under_programmes_names_its_programme_id(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/programmes/")]
    assert len(rules) >= 15
    for rule in rules:
        assert "programme_id" in rule.arguments, f"{rule.rule}: a programme route must take <programme_id>"


@pytest.mark.parametrize("role", ROLES + ("admin",))
def test_a_programme_the_person_has_no_part_in_is_404_on_every_url(app, role, logged_in, web_session, manager):
    ids = programme_objects(web_session, manager)
    # an administrator sees every programme; the other roles have no part in this one
    client = logged_in(f"{role}@example.test", role, region="Bretagne" if role == "cress" else None)
    before = programme_snapshot(web_session)
    checked = 0
    for rule in programme_rules(app):
        url = rule.build({k: ids[k] for k in rule.arguments})[1]
        if role == "admin":
            if "GET" in rule.methods:
                assert client.get(url).status_code == 200, f"GET {url} as admin"
            continue
        if "GET" in rule.methods:
            assert client.get(url).status_code == 404, f"GET {url} as {role}"
            checked += 1
        if "POST" in rule.methods:
            status = client.post(url, data=PROGRAMME_FORM).status_code
            assert status in (403, 404), f"POST {url} as {role} answered {status}"
            checked += 1
    assert role == "admin" or checked >= 15
    assert programme_snapshot(web_session) == before


@pytest.mark.parametrize("part", ["laureate", "funder", "committee"])
def test_a_laureate_a_funder_or_a_committee_member_change_nothing_they_do_not_own(app, part, person, web_session,
                                                                                 manager, now):
    """Every POST of a programme is refused to them (403/404), except a laureate's report of its
    own project; every URL naming another laureate is 404 to a laureate."""
    from setupflow.definitions.programmes import load_programmes
    from setupflow.programmes import operations as ops
    from setupflow.programmes.models import Laureate

    from tests.conftest import WORKFLOWS
    from web_fixtures import Browser

    ids = programme_objects(web_session, manager)
    programme = load_programmes([WORKFLOWS]).get("actice")
    user = person(f"{part}@example.test", "partner")
    own = web_session.get(Laureate, ids["own_laureate"])
    edition = own.edition
    ops.add_member(web_session, programme, user.id, part, now=now, laureate=own if part == "laureate" else None,
                   edition=edition if part == "committee" else None)
    web_session.commit()
    client = Browser(app.test_client())
    assert client.login(f"{part}@example.test").status_code == 302
    before = programme_snapshot(web_session)
    for rule in programme_rules(app):
        url = rule.build({k: ids[k] for k in rule.arguments})[1]
        if "GET" in rule.methods and "laureate_id" in rule.arguments:
            expected = (404,) if part != "funder" else (200,)
            assert client.get(url).status_code in expected, f"GET {url} as {part}"
        if "POST" in rule.methods:
            status = client.post(url, data=PROGRAMME_FORM).status_code
            allowed = (403, 404) if not (part == "committee" and rule.endpoint == "programmes.score") else (303,)
            assert status in allowed, f"POST {url} as {part} answered {status}"
    if part != "committee":  # a committee member's score of a declined application is refused with a message
        assert programme_snapshot(web_session) == before


# -- a site's call: a sponsor and anyone from a candidate organisation see their own application only ----

def call_rules(app):
    """Every route of a site's call: its pages under the site, its public page, the reviewers' pages."""
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("calls.") or ("call_id" in rule.arguments and "edition_id" not in rule.arguments)]


def candidate_objects(session, site, manager, now, data_dir, person) -> dict:
    """``site_objects`` (a call with the application of "Asso fictive" and its file), plus the
    application of "Ateliers du Marais (fictive)" with its own file, both scored by a committee
    member, and "Ateliers du Marais" in the team file with the candidate's e-mail."""
    from setupflow.calls import applications, files
    from setupflow.calls.models import Call
    from setupflow.team import operations as team

    ids = site_objects(session, site, manager, now, data_dir)
    call = session.get(Call, ids["call_id"])
    mine = applications.add_application(session, site, call, organisation="Ateliers du Marais (fictive)",
                                        legal_status="association", activity="Blanchisserie", actor=manager, now=now)
    own_file = files.attach_file(session, site, mine, data_dir=data_dir, original_name="notre-offre.pdf",
                                 data=b"%PDF-1.4 la notre", actor=manager, now=now)
    everything = {c["id"]: 3 for c in call.criteria}
    jury = team.add_person(session, site, name="Camille Jury (fictive)", email="camille.jury@example.test",
                           organisation=team.organisation_for(session, site, "cress", manager, now), actor=manager,
                           now=now, committees=(applications.scoring_committee(site, call),), start_on=site.start_on)
    for application in call.applications:
        applications.score(session, site, call, application, member=jury, scores=everything,
                           actor=manager, now=now)
    org = team.organisation_for(session, site, "Ateliers du Marais (fictive)", manager, now, category="sponsor")
    team.add_person(session, site, name="Sacha Candidate", email="candidate@example.test", organisation=org,
                    actor=manager, now=now)
    session.commit()
    return {**ids, "own_application_id": mine.id, "own_file_id": own_file.id}


@pytest.mark.parametrize("role", ["sponsor", "partner"])
def test_a_sponsor_or_a_candidate_organisation_sees_its_own_application_never_another_candidates(
        app, role, site_in, person, web_session, manager, now, tmp_path):
    """Issue 14, point 13: on every call page and file, the person of a candidate organisation
    (a sponsor, or a partner account from that organisation) sees its own application and
    files; never the other candidate, its files, the members' scores or the ranking."""
    from web_fixtures import Browser

    site = site_in("Bretagne", name="Atelier suivi")
    ids = candidate_objects(web_session, site, manager, now, tmp_path, person)
    person("candidate@example.test", role, sites=(site,))
    client = Browser(app.test_client())
    assert client.login("candidate@example.test").status_code == 302
    before = snapshot(web_session)
    checked = 0
    for rule in call_rules(app):
        if rule.endpoint.startswith("reviews."):  # not on the selecting committee: no reviewer's page
            url = fill(rule, ids)
            assert client.get(url).status_code == 404 if "GET" in rule.methods else \
                client.post(url, data={"score-legal_status": "5", "reason": "x"}).status_code == 404, url
            checked += 1
            continue
        if rule.endpoint.startswith("applicants.") and "POST" in rule.methods:
            continue  # applying is open to anyone (test_web_applicants)
        if "GET" in rule.methods:
            response = client.get(fill(rule, ids))
            body = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
            if "file_id" in rule.arguments or "application_id" in rule.arguments:
                assert response.status_code == 404, f"GET {rule.rule} (another candidate's) as {role}"
                own = fill(rule, {**ids, "application_id": ids["own_application_id"], "file_id": ids["own_file_id"]})
                assert client.get(own).status_code == 200, f"GET {rule.rule} (its own) as {role}"
            else:
                assert response.status_code == 200, f"GET {rule.rule} as {role}"
            for secret in ("Asso fictive", "Camille Jury", "offre.pdf\"", "Menuiserie"):
                assert secret not in body, f"GET {rule.rule} as {role} shows {secret}"
            checked += 1
        if "POST" in rule.methods:
            status = client.post(fill(rule, ids), data={**form_for(ids), "member": "x", "application": "1"}).status_code
            assert status in (403, 404), f"POST {rule.rule} as {role} answered {status}"
            checked += 1
    page = client.get(f"/sites/{site.id}/calls/{ids['call_id']}").get_data(as_text=True)
    assert "Ateliers du Marais (fictive)" in page and "notre-offre.pdf" in page
    assert checked >= 10
    assert snapshot(web_session) == before


def test_a_partner_outside_the_candidates_still_sees_the_applications(app, site_in, person, web_session, manager,
                                                                       now, tmp_path):
    site = site_in("Bretagne", name="Atelier suivi")
    ids = candidate_objects(web_session, site, manager, now, tmp_path, person)
    person("ddets@example.test", "partner", sites=(site,))
    from web_fixtures import Browser

    client = Browser(app.test_client())
    assert client.login("ddets@example.test").status_code == 302
    page = client.get(f"/sites/{site.id}/calls/{ids['call_id']}").get_data(as_text=True)
    assert "Asso fictive" in page and "Ateliers du Marais (fictive)" in page and "Camille Jury" in page
