"""Concurrency around limits, on both databases: forty wrong passwords sent at once get at
most five answers that are not 429 (the attempt is counted by one statement before the
password is checked), and the same creation fired from six threads at once creates one
thing and answers the others with a form error or 409, never 500 (every unique key a
person can race into)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from setupflow.accounts.models import User
from setupflow.accounts.operations import MAX_FAILURES
from setupflow.calls.models import Call
from setupflow.committees import attendance
from setupflow.committees import operations as meetings
from setupflow.committees.models import MinutesRevision
from setupflow.documents.models import SectionRevision
from setupflow.sites.models import Site, WorkflowSnapshot
from web_fixtures import *  # noqa: F401,F403
from web_fixtures import PASSWORD, Browser, csrf_token

from . import counters

THREADS = 6


@pytest.fixture
def web_db(db):
    return db


def fire(clients, url, data_of):
    """POST ``url`` from every client at the same moment; their status codes."""
    tokens = [csrf_token(c.client, "/glossary") if isinstance(c, Browser) else csrf_token(c) for c in clients]
    barrier = threading.Barrier(len(clients))

    def one(i):
        client = clients[i].client if isinstance(clients[i], Browser) else clients[i]
        data = {**data_of(i), "csrf_token": tokens[i]}
        barrier.wait()
        return client.post(url, data=data).status_code

    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(one, range(len(clients))))


@pytest.mark.slow  # forty password checks at once
def test_forty_wrong_passwords_at_once_get_at_most_five_answers(app, person):
    person("cible@example.test", "lead")
    clients = [app.test_client() for _ in range(40)]
    statuses = fire(clients, "/login", lambda i: {"email": "cible@example.test", "password": f"faux-{i:04d}-mot"})
    assert 500 not in statuses
    assert sum(1 for s in statuses if s != 429) <= MAX_FAILURES, statuses
    assert statuses.count(429) >= 40 - MAX_FAILURES
    # the right password is refused too while the window lasts, then works again (see test_accounts)
    counters.add("races: parallel wrong passwords throttled", 40)


def _managers(app, person, n=THREADS):
    person("cress@example.test", "cress", region="Bretagne")
    out = []
    for _ in range(n):
        b = Browser(app.test_client())
        assert b.login("cress@example.test").status_code == 302
        out.append(b)
    return out


def _count(web_db, query) -> int:
    with web_db.factory() as s:
        return s.scalar(query)


def test_six_creations_of_the_same_lead_account_make_one(app, person, site_in, web_db):
    site = site_in()
    clients = _managers(app, person)
    statuses = fire(clients, f"/sites/{site.id}/lead",
                    lambda i: {"email": "nouvelle.lead@example.test", "name": "Lead", "password": PASSWORD})
    assert 500 not in statuses and statuses.count(200) == 1 and set(statuses) <= {200, 400, 409}, statuses
    assert _count(web_db, select(func.count()).select_from(User).where(User.email == "nouvelle.lead@example.test")) == 1
    counters.add("races per unique key: users.email", THREADS)


def test_six_first_sites_at_once_share_one_workflow_snapshot(app, person, web_db):
    clients = _managers(app, person)
    statuses = fire(clients, "/sites/new", lambda i: {
        "name": f"Atelier {i}", "workflow": "cress-disp", "start": "2027-01-04", "opening": "2029-01-01",
        "region": "Bretagne", "establishment": "", "disp": "", "department": ""})
    assert 500 not in statuses and set(statuses) <= {303, 409}, statuses
    assert _count(web_db, select(func.count()).select_from(WorkflowSnapshot)) == 1
    assert _count(web_db, select(func.count()).select_from(Site)) == statuses.count(303)
    counters.add("races per unique key: workflow_snapshots (workflow, version)", THREADS)


def test_six_drafts_of_the_same_call_make_one(app, person, site_in, web_walk, web_db):
    site = web_walk(site_in(), "call")
    clients = _managers(app, person)
    statuses = fire(clients, f"/sites/{site.id}/calls", lambda i: {"call": "ami"})
    assert 500 not in statuses and set(statuses) <= {303, 409}, statuses
    assert _count(web_db, select(func.count()).select_from(Call).where(Call.site_id == site.id)) == 1
    counters.add("races per unique key: calls (site, call)", THREADS)


def test_six_first_versions_of_a_note_section_keep_one(app, person, site_in, web_db):
    site = site_in()
    clients = _managers(app, person)
    statuses = fire(clients, f"/sites/{site.id}/note/objectives",
                    lambda i: {"body": f"Objectif numéro {i}", "based_on": "0"})
    assert 500 not in statuses and statuses.count(303) == 1 and set(statuses) <= {303, 409}, statuses
    assert _count(web_db, select(func.count()).select_from(SectionRevision).where(
        SectionRevision.site_id == site.id)) == 1
    counters.add("races per unique key: section_revisions (site, section, version)", THREADS)


def test_six_first_versions_of_the_minutes_keep_one(app, person, site_in, web_session, manager, now, web_db):
    from datetime import timedelta

    site = site_in()
    meeting = meetings.schedule(web_session, site, "technical", "2027-01-04T09:00", manager, now)
    attendance.mark_held(web_session, meeting, {}, manager, now + timedelta(hours=3))
    web_session.commit()
    clients = _managers(app, person)
    statuses = fire(clients, f"/sites/{site.id}/meetings/{meeting.id}/minutes",
                    lambda i: {"body": f"Compte rendu {i}", "based_on": "0"})
    assert 500 not in statuses and statuses.count(303) == 1 and set(statuses) <= {303, 409}, statuses
    assert _count(web_db, select(func.count()).select_from(MinutesRevision).where(
        MinutesRevision.meeting_id == meeting.id)) == 1
    counters.add("races per unique key: minutes_revisions (meeting, version)", THREADS)


def test_six_ticks_of_the_same_task_make_one_row(app, person, site_in, web_db):
    from setupflow.sites import operations as ops
    from setupflow.sites.models import SiteTask

    site = site_in()
    workflow = ops.workflow_of(site)
    key = next(k for k in workflow.stage("plan").gate.tasks if not workflow.task(k)[1].evidence)
    clients = _managers(app, person)
    statuses = fire(clients, f"/sites/{site.id}/tasks/{key}", lambda i: {"done": "1"})
    assert 500 not in statuses and set(statuses) <= {303, 400, 409}, statuses
    assert _count(web_db, select(func.count()).select_from(SiteTask).where(
        SiteTask.site_id == site.id, SiteTask.task_key == key)) == 1
    counters.add("races per unique key: site_tasks (site, task)", THREADS)


def test_six_first_indicators_of_one_dimension_make_one(app, person, site_in, web_walk, web_db):
    from setupflow.diagnostic.models import Indicator

    site = web_walk(site_in(), "diagnose")
    clients = _managers(app, person)
    statuses = fire(clients, f"/sites/{site.id}/diagnostic/indicators", lambda i: {
        "dimension": "age_bracket", "count-under_25": str(3 + i), "count-from_25_to_39": "40",
        "count-from_40_to_54": "22", "count-over_55": "9"})
    assert 500 not in statuses and set(statuses) <= {303, 400, 409}, statuses
    assert _count(web_db, select(func.count()).select_from(Indicator).where(
        Indicator.site_id == site.id, Indicator.dimension == "age_bracket")) == 1
    counters.add("races per unique key: diagnostic_indicators (site, dimension)", THREADS)


def test_six_invitations_of_the_same_person_make_one(app, person, site_in, web_session, manager, now, web_db):
    from setupflow.committees.models import Attendee
    from setupflow.team import operations as team

    site = site_in()
    ep = team.organisation_for(web_session, site, "ep", manager, now)
    guest = team.add_person(web_session, site, name="Invitée Fictive", email="invitee@example.test",
                            organisation=ep, actor=manager, now=now)
    meeting = meetings.schedule(web_session, site, "technical", "2027-01-04T09:00", manager, now)
    web_session.commit()
    clients = _managers(app, person)
    statuses = fire(clients, f"/sites/{site.id}/meetings/{meeting.id}/invite", lambda i: {"person": str(guest.id)})
    assert 500 not in statuses and set(statuses) <= {303, 400, 409}, statuses
    assert _count(web_db, select(func.count()).select_from(Attendee).where(
        Attendee.meeting_id == meeting.id, Attendee.person_id == guest.id)) == 1
    counters.add("races per unique key: meeting_attendees (meeting, person)", THREADS)


def _history(web_db, site, action) -> int:
    from setupflow.sites.models import HistoryEntry

    return _count(web_db, select(func.count()).select_from(HistoryEntry).where(
        HistoryEntry.site_id == site.id, HistoryEntry.action == action))


def test_six_first_scores_of_the_same_member_and_criterion_make_one(app, person, site_in, web_walk, web_session,
                                                                     manager, now, web_db):
    from setupflow.calls import applications
    from setupflow.calls import operations as calls
    from setupflow.calls.models import Score

    site = web_walk(site_in(), "call")
    call = calls.create_call(web_session, site, None, actor=manager, now=now)
    calls.edit_call(web_session, site, call, actor=manager, now=now, body="Texte", needs="Besoins")
    calls.publish_call(web_session, site, call, published_on="2027-01-04", closes_on="2027-03-15", actor=manager,
                       now=now)
    application = applications.add_application(web_session, site, call, organisation="Asso fictive",
                                               legal_status="SCOP", activity="Menuiserie", actor=manager, now=now)
    criterion = call.criteria[0]["id"]
    from setupflow.team import operations as team

    member = team.add_person(web_session, site, name="Camille Jury (fictive)", email="camille.jury@example.test",
                             organisation=team.organisation_for(web_session, site, "cress", manager, now),
                             actor=manager, now=now, committees=(applications.scoring_committee(site, call),),
                             start_on=site.start_on)
    web_session.commit()
    clients = _managers(app, person)
    statuses = fire(clients, f"/sites/{site.id}/calls/{call.id}/applications/{application.id}/scores",
                    lambda i: {"member": str(member.id), f"score-{criterion}": str(1 + i % 3)})
    assert 500 not in statuses and set(statuses) <= {303, 409}, statuses
    assert _count(web_db, select(func.count()).select_from(Score).where(
        Score.application_id == application.id, Score.criterion == criterion)) == 1
    assert _history(web_db, site, "call_score") == statuses.count(303)  # a refused score left no trace
    counters.add("races per unique key: call_scores (application, member, criterion)", THREADS)


def test_six_signatures_of_the_dui_by_the_same_signatory_make_one(app, person, site_in, web_walk, web_db, now):
    from setupflow.support.models import DuiSignature

    site = web_walk(site_in(), "support")
    clients = _managers(app, person)
    statuses = fire(clients, f"/sites/{site.id}/support/dui", lambda i: {
        "signatory": "sponsor", "signed_on": now.date().isoformat(), "signed_by": f"Directrice {i}"})
    assert 500 not in statuses and statuses.count(303) == 1 and set(statuses) <= {303, 400, 409}, statuses
    assert _count(web_db, select(func.count()).select_from(DuiSignature).where(
        DuiSignature.site_id == site.id, DuiSignature.signatory == "sponsor")) == 1
    assert _history(web_db, site, "dui_signature") == 1
    counters.add("races per unique key: dui_signatures (site, signatory)", THREADS)


def test_six_first_ticks_of_the_same_support_item_make_one_row(app, person, site_in, web_walk, web_db):
    from setupflow.support.models import WorkstreamItem

    site = web_walk(site_in(), "support")
    clients = _managers(app, person)
    statuses = fire(clients, f"/sites/{site.id}/support/items",
                    lambda i: {"workstream": "economic_model", "item": "forecast_budget", "done": "1"})
    assert 500 not in statuses and set(statuses) <= {303, 409}, statuses
    assert _count(web_db, select(func.count()).select_from(WorkstreamItem).where(
        WorkstreamItem.site_id == site.id, WorkstreamItem.item == "forecast_budget")) == 1
    assert _history(web_db, site, "support_item") == statuses.count(303)
    counters.add("races per unique key: support_items (site, workstream, item)", THREADS)


def test_six_first_assignments_of_the_same_meeting_role_make_one(app, person, site_in, web_session, manager, now,
                                                                  web_db):
    from setupflow.committees.models import MeetingRole
    from setupflow.team import operations as team

    site = site_in()
    ep = team.organisation_for(web_session, site, "ep", manager, now)
    people = [team.add_person(web_session, site, name=f"Personne Fictive {i}", email=f"p{i}@example.test",
                              organisation=ep, actor=manager, now=now, committees=("technical",)) for i in range(2)]
    meeting = meetings.schedule(web_session, site, "technical", "2027-01-04T09:00", manager, now)
    web_session.commit()
    clients = _managers(app, person)
    statuses = fire(clients, f"/sites/{site.id}/meetings/{meeting.id}/roles",
                    lambda i: {"role_agenda": str(people[i % 2].id)})
    assert 500 not in statuses and set(statuses) <= {303, 409}, statuses
    assert _count(web_db, select(func.count()).select_from(MeetingRole).where(
        MeetingRole.meeting_id == meeting.id, MeetingRole.role == "agenda")) == 1
    # a request that finds its person already holding the role saves nothing (303, no entry)
    assert 1 <= _history(web_db, site, "meeting_role") <= statuses.count(303)
    counters.add("races per unique key: meeting_roles (meeting, role)", THREADS)


def test_six_one_click_unsubscriptions_of_one_address_make_one_preference(app, person, web_db):
    from setupflow.reminders.models import MailPreference
    from setupflow.reminders.unsubscribe import app_secret, preferences_token

    token = preferences_token("lea@example.test", app_secret(app.config["SETUPFLOW_SETTINGS"]))
    kinds = ("meeting_tomorrow", "agenda_reminder", "action_due")
    clients = [app.test_client() for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    def one(i):
        barrier.wait()
        return clients[i].post(f"/preferences/{token}?stop={kinds[i % 3]}",
                               data={"List-Unsubscribe": "One-Click"}).status_code

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(one, range(THREADS)))
    assert 500 not in statuses and set(statuses) <= {200, 409}, statuses
    with web_db.factory() as s:
        [pref] = s.scalars(select(MailPreference).where(MailPreference.email == "lea@example.test")).all()
        assert pref.stopped and set(pref.stopped) <= set(kinds)
    counters.add("races per unique key: mail_preferences (email)", THREADS)


def test_six_links_of_the_same_account_to_the_same_site_make_one(person, site_in, web_db, now):
    """Two connections linking an account to a site at once (``setupflow user add --site``,
    a Cress user's new site): one row; the other gets the row or a structured refusal."""
    from sqlalchemy.exc import IntegrityError

    from setupflow.accounts.models import UserSite
    from setupflow.accounts.operations import assign_site
    from setupflow.errors import StaleEdit

    site = site_in()
    user = person("lea@example.test", "lead")
    barrier = threading.Barrier(THREADS)

    def one(_):
        with web_db.factory() as s:
            account = s.get(User, user.id)
            barrier.wait()
            try:
                assign_site(s, account, site.id, now)
                s.commit()
                return "linked"
            except StaleEdit as exc:
                s.rollback()
                return exc.code
            except IntegrityError:
                s.rollback()
                return "IntegrityError"

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(one, range(THREADS)))
    assert "IntegrityError" not in outcomes and "linked" in outcomes, outcomes
    assert set(outcomes) <= {"linked", "record.created_meanwhile"}, outcomes
    assert _count(web_db, select(func.count()).select_from(UserSite).where(
        UserSite.user_id == user.id, UserSite.site_id == site.id)) == 1
    counters.add("races per unique key: user_sites (user, site)", THREADS)
