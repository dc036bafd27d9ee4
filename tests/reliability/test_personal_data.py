"""Personal data: no column can hold a detainee's identity unseen; a professional's data
can be exported (theirs only) and erased (anonymised, documents still render, pending
reminders withdrawn); a retention job anonymises people of finished projects, once."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner
from sqlalchemy import JSON, String, Text, select

from setupflow.accounts.models import User
from setupflow.accounts.operations import create_user
from setupflow.accounts.passwords import verify_password
from setupflow.all_models import metadata
from setupflow.cli import cli
from setupflow.cli.common import run_cli
from setupflow.committees import operations as meetings
from setupflow.committees.actions import add_action
from setupflow.committees.attendance import assign_role
from setupflow.committees.minutes import record_meeting_decision, save_minutes
from setupflow.data_register import CATEGORIES, REGISTER
from setupflow.diagnostic import operations as diag
from setupflow.documents.build import render_html
from setupflow.personal_data import ANONYMISED, erase, person_report
from setupflow.reminders.models import Reminder
from setupflow.reminders.operations import plan_site
from setupflow.retention import run as run_retention
from setupflow.sites.operations import Actor
from setupflow.team.models import Person

from . import counters
from .faults import database_state
from tests.refused import refused

MEETING_AT = datetime(2027, 1, 12, 9, 0, tzinfo=timezone.utc)
IDENTIFYING = "M. Durand, écrou 2034567"


def test_every_text_column_of_every_model_is_in_the_data_register():
    seen = {}
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (String, Text, JSON)):
                seen.setdefault(table.name, {})[column.name] = REGISTER.get(table.name, {}).get(column.name)
    missing = [f"{t}.{c}" for t, cols in seen.items() for c, cat in cols.items() if cat is None]
    assert missing == [], "say in setupflow/data_register.py what these columns may hold"
    stale = [f"{t}.{c}" for t, cols in REGISTER.items() for c in cols if c not in seen.get(t, {})]
    assert stale == []
    assert {cat for cols in REGISTER.values() for cat in cols.values()} <= set(CATEGORIES)
    counters.add("text columns classified", sum(len(c) for c in seen.values()))


def test_every_screened_column_refuses_a_detainees_identity(session, make_site, walk, actor, now):
    from tests.conftest import WORKFLOWS
    from setupflow.definitions.programmes import load_programmes
    from setupflow.programmes import operations as programme_ops

    from setupflow.after_opening import operations as after_opening

    opened = walk(make_site(name="Atelier ouvert"), "opened")
    site = walk(make_site(), "diagnose")
    actice = load_programmes([WORKFLOWS]).get("actice")
    edition = programme_ops.open_edition(session, actice, label="Promotion fictive", starts_on="2027-01-04",
                                         actor=actor, now=now)
    laureate = programme_ops.add_laureate(session, actice, edition, project="Projet fictif", organisations=["Asso"],
                                          department="69", purpose="Fictif", now=now)
    session.commit()
    writes = {
        ("diagnostic_sources", "provider"): lambda: diag.set_source(
            session, site, "registry", status="requested", provider="detenu@example.org", actor=actor, now=now),
        ("diagnostic_sources", "note"): lambda: diag.set_source(
            session, site, "registry", status="requested", note=IDENTIFYING, actor=actor, now=now),
        ("diagnostic_indicators", "cells"): lambda: diag.set_indicator(
            session, site, "age_bracket", {IDENTIFYING: 7}, actor=actor, now=now),
        ("diagnostic_indicators", "dimension"): lambda: diag.set_indicator(
            session, site, IDENTIFYING, {"a": 7}, actor=actor, now=now),
        ("diagnostic_indicators", "label"): lambda: diag.set_indicator(
            session, site, "languages", {"a": 7}, label=IDENTIFYING, actor=actor, now=now),
        ("diagnostic_interviews", "themes"): lambda: diag.log_interview(
            session, site, held_on="2027-01-03", audience="detainees", format="group", participants=6,
            themes=[IDENTIFYING], actor=actor, now=now),
        ("diagnostic_interviews", "summary"): lambda: diag.log_interview(
            session, site, held_on="2027-01-03", audience="detainees", format="group", participants=6,
            themes=["logement"], summary=IDENTIFYING, actor=actor, now=now),
        ("diagnostic_initiatives", "name"): lambda: diag.add_initiative(
            session, site, name=IDENTIFYING, kind="support", actor=actor, now=now),
        ("diagnostic_initiatives", "description"): lambda: diag.add_initiative(
            session, site, name="Atelier lecture", kind="support", description=IDENTIFYING, actor=actor, now=now),
        ("diagnostic_reports", "conclusions"): lambda: diag.write_conclusions(session, site, IDENTIFYING,
                                                                               actor=actor, now=now),
        ("diagnostic_hypotheses", "statement"): lambda: diag.add_hypothesis(session, site, IDENTIFYING, actor=actor,
                                                                             now=now),
        ("diagnostic_hypotheses", "finding"): lambda: diag.settle_hypothesis(
            session, site, diag.add_hypothesis(session, site, "Peu de qualifications", actor=actor, now=now).id,
            "confirmed", finding=IDENTIFYING, actor=actor, now=now),
        ("programme_reports", "comment"): lambda: programme_ops.report(
            session, actice, edition, laureate, period="2027-Q1", values={"volunteers": 3}, comment=IDENTIFYING,
            actor=actor, now=now),
        ("site_reports", "comment"): lambda: after_opening.report(
            session, opened, period="2029-Q1", values={"posts_open": 8}, comment=IDENTIFYING, actor=actor, now=now),
        ("programme_editions", "review_texts"): lambda: programme_ops.set_review_text(
            session, actice, edition, "difficulties", IDENTIFYING, actor=actor, now=now),
    }
    screened = {(t, c) for t, cols in REGISTER.items() for c, cat in cols.items() if cat == "screened"}
    assert screened == set(writes), "every column the register calls screened is tried here"
    for (table, column), write in writes.items():
        with refused("privacy.identifying"):
            write()
        session.rollback()
    counters.add("identifying inputs refused", len(writes))


def _build(session, make_site, make_team, manager, now):
    site = make_site()
    people = make_team(site)
    ep, spip = people["ep"], people["spip"]
    user = create_user(session, email=ep.email, role="lead", password="Un mot de passe très long ✓", now=now,
                       display_name=ep.name, site_ids=(site.id,))
    web_actor = Actor(f"{user.display_name} <{user.email}>")
    meeting = meetings.schedule(session, site, "technical", MEETING_AT, manager, now, place="Salle 2 (fictive)")
    assign_role(session, meeting, "facilitation", ep, manager, now)
    add_action(session, meeting, f"{ep.name} envoie les chiffres", ep, web_actor, now)
    add_action(session, meeting, "Le SPIP relit la note", spip, manager, now)
    plan_site(session, site, now)
    later = MEETING_AT + timedelta(hours=3)
    save_minutes(session, meeting, f"Présents : {ep.name}, {spip.name}.\n\n{ep.name} présente le projet.", 0,
                 web_actor, later)
    record_meeting_decision(session, meeting, None, None, f"Sur proposition de {ep.name}, le comité valide.",
                            web_actor, later)
    session.commit()
    return site, ep, spip, user, meeting


def _everything(database) -> str:
    return json.dumps(database_state(database.engine), default=str, ensure_ascii=False)


def test_a_persons_export_holds_their_data_and_nobody_elses(session, db, make_site, make_team, manager,
                                                            now):
    site, ep, spip, user, meeting = _build(session, make_site, make_team, manager, now)
    report = json.dumps(person_report(session, ep.email.upper()), default=str, ensure_ascii=False)
    assert ep.email in report and ep.name in report
    assert "facilitation" in report and "envoie les chiffres" in report
    assert spip.name not in report and spip.email not in report and "Le SPIP relit" not in report


def test_erasing_a_person_anonymises_them_everywhere_and_documents_still_render(session, db, make_site,
                                                                                make_team, manager, now):
    site, ep, spip, user, meeting = _build(session, make_site, make_team, manager, now)
    name, email = ep.name, ep.email
    pending = session.scalars(select(Reminder).where(Reminder.recipient == email,
                                                     Reminder.state == "pending")).all()
    assert pending, "the fixture must give the person pending reminders"
    assert name in _everything(db)

    erase(session, email, manager, now)
    session.commit()

    everything = _everything(db)
    leaks = {t: [r for r in rows if name in str(r) or email in str(r)] for t, rows in database_state(db.engine).items()}
    assert {t: r for t, r in leaks.items() if r} == {}
    assert name not in everything and email not in everything
    assert spip.name in everything and spip.email in everything
    assert session.get(Person, ep.id).name == ANONYMISED
    assert {r.state for r in session.scalars(select(Reminder).where(Reminder.id.in_([r.id for r in pending])))} \
        == {"withdrawn"}
    account = session.get(User, user.id)
    assert not account.is_active and not verify_password(account.password_hash, "Un mot de passe très long ✓")
    settings = db.settings()
    minutes = render_html(session, settings, site, "minutes", now, meeting)
    assert ANONYMISED in minutes and spip.name in minutes and name not in minutes
    assert name not in render_html(session, settings, site, "decisions", now)
    # new reminders are never planned for them again, and a second erasure changes nothing
    plan_site(session, site, now)
    session.commit()
    state = database_state(db.engine)
    erase(session, email, manager, now)
    session.commit()
    assert database_state(db.engine) == state
    assert session.scalar(select(Reminder).where(Reminder.recipient.like("anonymised-%"),
                                                 Reminder.state == "pending")) is None


def test_the_retention_job_anonymises_people_of_finished_projects_once(session, db, make_site, make_team,
                                                                       walk, manager, now):
    finished = make_site(name="Atelier terminé")
    people = make_team(finished)
    walk(finished, "opened")
    running = make_site(name="Atelier en cours")
    others = make_team(running, {"ep": ("technical",)})
    ended_on = finished.stage_entered_on
    days = 365

    just_before = datetime.combine(ended_on + timedelta(days=days - 1), datetime.min.time(), timezone.utc)
    assert run_retention(session, just_before.replace(hour=12), days) == []
    after = datetime.combine(ended_on + timedelta(days=days + 1), datetime.min.time(), timezone.utc)
    done = run_retention(session, after.replace(hour=12), days)
    session.commit()
    # the team, and the committee member the walk added to hold the technical committee
    team_ids = session.scalars(select(Person.id).where(Person.site_id == finished.id)).all()
    assert set(p.id for p in people.values()) < set(team_ids)
    assert sorted(d.person_id for d in done) == sorted(team_ids)
    assert all(session.get(Person, p.id).name == ANONYMISED for p in people.values())
    assert session.get(Person, others["ep"].id).name != ANONYMISED
    state = database_state(db.engine)
    assert run_retention(session, after.replace(hour=12), days) == []
    session.commit()
    assert database_state(db.engine) == state
    counters.add("people purged by retention", len(done))


def test_the_retention_and_erasure_commands(db, session, make_site, make_team, tmp_path, monkeypatch):
    site = make_site()
    person = make_team(site, {"ep": ("technical",)})["ep"]
    for key, value in {**db.env(), "SETUPFLOW_RETENTION_DAYS": "30"}.items():
        monkeypatch.setenv(key, value)

    def run(*args):
        with CliRunner().isolation() as (out, err, *_):
            return run_cli(cli, list(args)), out.getvalue().decode(), err.getvalue().decode()

    code, out, err = run("retention", "run", "--json")
    assert code == 0, err
    assert json.loads(out) == []  # the site is not finished
    target = tmp_path / "me.json"
    assert run("personal-data", "export", person.email, "-o", str(target))[0] == 0
    assert json.loads(target.read_text())["team"][0]["name"] == person.name
    code, _, err = run("personal-data", "erase", person.email)
    assert code == 2 and "--yes" in err
    code, _, err = run("personal-data", "erase", person.email, "--yes")
    assert code == 0, err
    session.expire_all()
    assert session.get(Person, person.id).name == ANONYMISED
