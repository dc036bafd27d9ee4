"""Candidates apply themselves: a draft completed later, files under the application-file
rules, a submission refused after the closing minute in the call's time zone, a receipt by
e-mail, the expression of interest carried over into the full file, and a status that says
received, full file requested, selected or not, and nothing about the other candidates.
Committee members declare conflicts of interest and cannot score where they declared one.
Engine mechanics: a site's call on tests/definitions/work.yaml; a programme's on the shipped
Act'ice programme (workflows/programmes/actice.yaml)."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from setupflow.applicants import operations as apply
from setupflow.applicants.models import ProgrammeApplicationFile
from setupflow.calls import applications as apps
from setupflow.calls import operations as calls
from setupflow.calls import visibility
from setupflow.calls.queries import ranking
from setupflow.definitions.programmes import load_programmes
from setupflow.programmes import operations as programme_ops
from setupflow.reminders.models import Reminder
from setupflow.reviews import conflicts
from setupflow.team import operations as team

from tests.conftest import WORKFLOWS
from tests.refused import refused

PDF = b"%PDF-1.4 dossier fictif"


@pytest.fixture
def session(db):
    with db.factory() as s:
        yield s


@pytest.fixture
def open_call(session, make_site, walk, actor, now):
    """A site in Réunion (UTC+4) whose call is published today and closes on 2027-03-20."""
    site = walk(make_site(workflow="work", department="974"), "seek", {"form": "small"})
    call = calls.create_call(session, site, "appeal", actor=actor, now=now)
    calls.edit_call(session, site, call, actor=actor, now=now, body="Nous cherchons une structure.")
    calls.publish_call(session, site, call, published_on=now.date(), closes_on="2027-03-20", actor=actor, now=now)
    session.commit()
    return site, call


def applicant(session, now, email="candidate@example.test"):
    user, opened = apply.applicant_account(session, email=email, name="Sacha Candidate", language="fr", now=now)
    assert opened and user.role == "applicant"
    return user


ANSWERS = {"organisation": "Les Ateliers du Lagon (fictifs)", "legal_status": "association",
           "structure_type": "small", "activity": "Blanchisserie"}


def test_a_draft_is_kept_incomplete_and_the_staff_see_nothing_until_it_is_submitted(session, open_call, now,
                                                                                     tmp_path):
    site, call = open_call
    user = applicant(session, now)
    candidacy = apply.start_site_candidacy(session, user, call, now)
    apply.save_draft(session, candidacy, {"organisation": ANSWERS["organisation"]}, now)
    apply.add_file(session, candidacy, data_dir=tmp_path, original_name="offre.pdf", data=PDF, now=now)
    session.commit()
    assert call.applications == [] and apply.status(session, candidacy) == "draft"
    # completed later: the same candidacy, what was typed is still there
    again = apply.start_site_candidacy(session, user, call, now + timedelta(days=3))
    assert again.id == candidacy.id and again.answers["organisation"] == ANSWERS["organisation"]
    with refused("required", field="legal_status"):
        apply.submit_site(session, again, user, data_dir=tmp_path, now=now + timedelta(days=3))
    session.rollback()
    apply.save_draft(session, again, ANSWERS, now + timedelta(days=3))
    application = apply.submit_site(session, again, user, data_dir=tmp_path, now=now + timedelta(days=4))
    assert [a.organisation for a in call.applications] == [ANSWERS["organisation"]]
    assert [f.original_name for f in application.files] == ["offre.pdf"]
    assert apply.status(session, again) == "received"
    receipt = session.scalar(select(Reminder).where(Reminder.template == apply.RECEIPT))
    assert receipt.recipient == "candidate@example.test" and receipt.language == "fr"
    assert receipt.context["organisation"] == ANSWERS["organisation"]
    with refused("candidacy.submitted", field="submit"):
        apply.submit_site(session, again, user, data_dir=tmp_path, now=now + timedelta(days=5))


def test_a_submission_one_minute_after_closing_is_refused_with_the_closing_time(session, open_call, now, tmp_path):
    """Réunion is UTC+4: the call closes at 23:59 there on 20 March, 21:59 in Paris."""
    site, call = open_call
    late, on_time = applicant(session, now, "late@example.test"), applicant(session, now, "ontime@example.test")
    last_minute = datetime(2027, 3, 20, 19, 59, 30, tzinfo=timezone.utc)  # 23:59:30 in Réunion
    for user, name in ((late, "En retard (fictive)"), (on_time, "À l'heure (fictive)")):
        candidacy = apply.start_site_candidacy(session, user, call, now)
        apply.save_draft(session, candidacy, {**ANSWERS, "organisation": name}, now)
    on_time_candidacy, late_candidacy = (apply.candidacies_of(session, u)[0] for u in (on_time, late))
    apply.submit_site(session, on_time_candidacy, on_time, data_dir=tmp_path, now=last_minute)
    with refused("candidacy.closed", field="submit", closes_on=date(2027, 3, 20), at="23:59", zone="Indian/Reunion"):
        apply.submit_site(session, late_candidacy, late, data_dir=tmp_path, now=last_minute + timedelta(seconds=30))
    assert [a.organisation for a in call.applications] == ["À l'heure (fictive)"]
    assert apply.open_site_calls(session, last_minute) == [call]
    assert apply.open_site_calls(session, last_minute + timedelta(seconds=30)) == []


def test_a_draft_file_follows_the_application_file_rules(session, open_call, now, tmp_path):
    site, call = open_call
    candidacy = apply.start_site_candidacy(session, applicant(session, now), call, now)
    with refused("file.type_refused", field="file"):
        apply.add_file(session, candidacy, data_dir=tmp_path, original_name="offre.pdf",
                       data=b"<html><script>alert(1)</script></html>", now=now)
    with refused("file.too_large", field="file"):
        apply.add_file(session, candidacy, data_dir=tmp_path, original_name="gros.pdf",
                       data=b"%PDF-" + b"0" * (10 * 1024 * 1024), now=now)
    uploads = tmp_path / "uploads"
    assert candidacy.files == [] and not (uploads.exists() and list(uploads.iterdir()))


def test_people_who_run_calls_cannot_apply(session, open_call, now, person):
    site, call = open_call
    with refused("candidacy.role", field="account", role="lead"):
        apply.start_site_candidacy(session, person("lead@example.test", "lead"), call, now)


@pytest.fixture
def person(session, now):
    from setupflow.accounts import operations as accounts

    def make(email, role):
        return accounts.create_user(session, email=email, role=role, password="mot-de-passe-de-test", now=now)
    return make


def test_a_candidate_sees_its_own_application_and_after_the_selection_the_outcome_never_anothers(
        session, open_call, now, tmp_path, held, manager):
    site, call = open_call
    mine, theirs = applicant(session, now, "mine@example.test"), applicant(session, now, "theirs@example.test")
    for user, name in ((mine, "Les Ateliers du Lagon (fictifs)"), (theirs, "Coop Voisine (fictive)")):
        candidacy = apply.start_site_candidacy(session, user, call, now)
        apply.save_draft(session, candidacy, {**ANSWERS, "organisation": name}, now)
        apply.submit_site(session, candidacy, user, data_dir=tmp_path, now=now)
    own = visibility.own_applications(session, mine, call)
    assert [a.organisation for a in own] == ["Les Ateliers du Lagon (fictifs)"]
    assert not visibility.sees_candidates(session, mine, site)
    later = now + timedelta(days=80)
    meeting = held(site, "board", when=later)
    apps.select_applications(session, site, call, [a.id for a in call.applications
                                                   if a.organisation.startswith("Coop")],
                             actor=manager, now=later, meeting=meeting)
    assert apply.status(session, apply.candidacies_of(session, mine)[0]) == "not_selected"
    assert apply.status(session, apply.candidacies_of(session, theirs)[0]) == "selected"


@pytest.fixture
def actice():
    return load_programmes([WORKFLOWS]).get("actice")


def test_the_expression_of_interest_is_carried_over_into_the_full_file(session, actice, manager, now, tmp_path):
    start = datetime(2026, 10, 1, 9, tzinfo=timezone.utc)
    edition = programme_ops.open_edition(session, actice, label="Promotion fictive", starts_on="2026-10-01",
                                         actor=manager, now=start)
    programme_ops.publish_call(session, actice, edition, published_on="2026-10-01", actor=manager, now=start)
    user = applicant(session, start)
    candidacy = apply.start_programme_candidacy(session, user, actice, edition, start)
    interest = actice.call.steps[0]
    apply.save_draft(session, candidacy, {"project": "Projet Lagon", "organisation": "Asso Lagon (fictive)",
                                          "department": "974", "purpose": "Former en détention"}, start, step=interest)
    application = apply.submit_programme(session, candidacy, user, actice, data_dir=tmp_path, now=start)
    assert apply.status(session, candidacy) == "received"
    assert apply.current_step(actice, candidacy, application) is None
    programme_ops.request_full_file(session, actice, edition, application, actor=manager, now=start)
    assert apply.status(session, candidacy) == "full_file_requested"
    full = apply.current_step(actice, candidacy, application)
    assert apply.carried_over(actice, application, full) == {
        "project": "Projet Lagon", "organisation": "Asso Lagon (fictive)", "department": "974",
        "purpose": "Former en détention"}
    opens = start + timedelta(days=36)
    apply.save_draft(session, candidacy, {"justice_link": "x", "economic_model": "y", "team": "z"}, opens, step=full)
    apply.add_file(session, candidacy, data_dir=tmp_path, original_name="budget.pdf", data=PDF, now=opens,
                   step=full, field="budget")
    apply.submit_programme(session, candidacy, user, actice, data_dir=tmp_path, now=opens)
    assert application.answers["full_file"]["project"] == "Projet Lagon"  # carried, not typed again
    assert application.answers["full_file"]["budget"] == "budget.pdf"
    stored = session.scalars(select(ProgrammeApplicationFile)).all()
    assert [(f.step, f.field, f.original_name) for f in stored] == [("full_file", "budget", "budget.pdf")]
    assert apply.status(session, candidacy) == "full_file"


def test_a_full_file_one_minute_after_its_step_closes_is_refused(session, actice, manager, tmp_path):
    start = datetime(2026, 10, 1, 9, tzinfo=timezone.utc)
    edition = programme_ops.open_edition(session, actice, label="Promotion fictive", starts_on="2026-10-01",
                                         actor=manager, now=start)
    programme_ops.publish_call(session, actice, edition, published_on="2026-10-01", actor=manager, now=start)
    user = applicant(session, start)
    candidacy = apply.start_programme_candidacy(session, user, actice, edition, start)
    apply.save_draft(session, candidacy, {"project": "P", "organisation": "O", "department": "69", "purpose": "x"},
                     start, step=actice.call.steps[0])
    # the expression of interest is open 30 days from 1 October: until 30 October at 23:59 in Paris (UTC+1)
    closed = datetime(2026, 10, 30, 23, 0, tzinfo=timezone.utc)
    with refused("candidacy.closed", field="submit", closes_on=date(2026, 10, 30), at="23:59", zone="Europe/Paris"):
        apply.submit_programme(session, candidacy, user, actice, data_dir=tmp_path, now=closed)
    apply.submit_programme(session, candidacy, user, actice, data_dir=tmp_path, now=closed - timedelta(minutes=1))


def test_a_member_who_declared_a_conflict_cannot_score_the_application(session, open_call, actor, now, tmp_path):
    site, call = open_call
    a = apps.add_application(session, site, call, organisation="Coop Demain (fictive)", legal_status="SCIC",
                             activity="Menuiserie", actor=actor, now=now)
    b = apps.add_application(session, site, call, organisation="Atelier Fil (fictif)", legal_status="association",
                             activity="Couture", actor=actor, now=now)
    every = {c["id"]: 4 for c in call.criteria}
    committee = apps.scoring_committee(site, call)
    for name, category in (("Camille Jury", "cress"), ("Dominique Jury", "ep")):
        team.add_person(session, site, name=name, email=f"{name.split()[0].lower()}@example.org",
                        organisation=team.organisation_for(session, site, category, actor, now), actor=actor, now=now,
                        committees=(committee,), start_on=site.start_on)
    conflicts.declare(session, "Camille Jury", application=a, actor_name=actor.name, now=now,
                      reason="administratrice de la structure")
    with refused("score.conflict_of_interest", field="member", member="Camille Jury"):
        apps.score(session, site, call, a, member="Camille Jury", scores=every, actor=actor, now=now)
    apps.score(session, site, call, b, member="Camille Jury", scores=every, actor=actor, now=now)
    apps.score(session, site, call, a, member="Dominique Jury", scores=every, actor=actor, now=now)
    rows = {r["organisation"]: r for r in ranking(call)}
    assert rows["Coop Demain (fictive)"]["members"] == 1 and rows["Atelier Fil (fictif)"]["members"] == 1
    assert conflicts.conflicted_members(session, application=a) == ["Camille Jury"]


def test_a_programme_committee_member_with_a_conflict_cannot_score(session, actice, manager, tmp_path):
    start = datetime(2026, 10, 1, 9, tzinfo=timezone.utc)
    edition = programme_ops.open_edition(session, actice, label="Promotion fictive", starts_on="2026-10-01",
                                         actor=manager, now=start)
    programme_ops.publish_call(session, actice, edition, published_on="2026-10-01", actor=manager, now=start)
    a = programme_ops.add_application(session, actice, edition, actor=manager, now=start, answers={
        "project": "Projet A", "organisation": "Asso A", "department": "69", "purpose": "x"})
    programme_ops.request_full_file(session, actice, edition, a, actor=manager, now=start)
    programme_ops.submit_full_file(session, actice, edition, a, actor=manager, now=start + timedelta(days=40),
                                   answers={"justice_link": "x", "economic_model": "y", "team": "z"})
    conflicts.declare(session, "Jo Jury", programme_application=a, actor_name="Jo Jury", now=start)
    with refused("score.conflict_of_interest", field="member"):
        programme_ops.score(session, actice, edition, a, member="Jo Jury", scores={"justice_link": 3},
                            actor=manager, now=start)
    assert a.scores == []


def test_staff_attach_a_programme_applications_file_under_the_same_rules(session, actice, manager, tmp_path):
    start = datetime(2026, 10, 1, 9, tzinfo=timezone.utc)
    edition = programme_ops.open_edition(session, actice, label="Promotion fictive", starts_on="2026-10-01",
                                         actor=manager, now=start)
    programme_ops.publish_call(session, actice, edition, published_on="2026-10-01", actor=manager, now=start)
    a = programme_ops.add_application(session, actice, edition, actor=manager, now=start, answers={
        "project": "Projet A", "organisation": "Asso A", "department": "69", "purpose": "x"})
    with refused("programme.unknown_field", field="field"):  # the expression of interest asks for no file
        apply.attach_programme_file(session, actice, a, field="budget", data_dir=tmp_path, original_name="b.pdf",
                                    data=PDF, actor=manager, now=start)
    programme_ops.request_full_file(session, actice, edition, a, actor=manager, now=start)
    with refused("file.type_refused", field="file"):
        apply.attach_programme_file(session, actice, a, field="budget", data_dir=tmp_path, original_name="b.pdf",
                                    data=b"<html></html>", actor=manager, now=start)
    row = apply.attach_programme_file(session, actice, a, field="budget", data_dir=tmp_path, original_name="b.pdf",
                                      data=PDF, actor=manager, now=start)
    assert row.content_type == "application/pdf" and (tmp_path / "uploads" / row.stored_name).read_bytes() == PDF


def test_the_receipt_is_written_in_french_with_the_closing_zones_time(session, open_call, now, tmp_path):
    from setupflow.reminders.messages import Renderer

    from tests.conftest import REPO

    site, call = open_call
    user = applicant(session, now)
    candidacy = apply.start_site_candidacy(session, user, call, now)
    apply.save_draft(session, candidacy, ANSWERS, now)
    apply.submit_site(session, candidacy, user, data_dir=tmp_path, now=now)
    receipt = session.scalar(select(Reminder).where(Reminder.template == apply.RECEIPT))
    subject, body, _html = Renderer(REPO / "templates").render(receipt.template, receipt.language,
                                                               {**receipt.context, "link": "https://x.test/c"})
    assert subject == "setupflow : votre candidature est reçue"
    # 4 January 2027 at 09:00 UTC is 13:00 in Réunion
    assert "lundi 4 janvier 2027 à 13 h 00 (heure de Indian/Reunion)" in body
    assert ANSWERS["organisation"] in body
