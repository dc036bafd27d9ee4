"""Fictional stage work for the demo (and the test helper that walks sites through stages).

``produce`` does, through the real operations, the smallest piece of work that makes
one kind of evidence hold; ``build_stage_demo`` fills the sites of the demo that are past
the diagnostic or the call with a fuller, invented diagnostic, call and budget.
Every organisation and person here is invented.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from . import evidence
from .clock import local_date
from .sites.models import Site
from .sites.operations import Actor
from .sites.runtime import workflow_of

CONCLUSIONS = ("Les personnes détenues sont jeunes et peu qualifiées ; une part notable relève d'un handicap "
               "reconnu. Un atelier d'insertion avec un accompagnement renforcé vers la formation répond le "
               "mieux aux besoins relevés.")


#: the organisation of the fictional committee member added where a committee has none
FICTIONAL_MEMBER_CATEGORY = "national_education"
#: the fictional calls were published this many days before their work is recorded
PUBLISHED_DAYS_AGO = 80


def produce(session: Session, site: Site, spec: str, actor: Actor, now: datetime) -> None:  # noqa: C901  (one branch per evidence kind, in the order of evidence.KINDS)
    """Do the fictional work that makes ``spec`` hold, unless it already holds."""
    if evidence.holds(session, site, spec):
        return
    name, argument = evidence.split(spec)
    today = local_date(now)
    if name == "diagnostic_sources_collected":
        from .diagnostic import operations as diag

        for i, source in enumerate(diag.spec_of(site).sources):
            status = "unavailable" if i == 4 else "obtained"
            diag.set_source(session, site, source.id, status=status, actor=actor, now=now,
                            obtained_on=today if status == "obtained" else None, provider="Service de l'EP")
        _figures(session, site, 0, (31, 58, 22, 3), actor, now)
        diag.log_interview(session, site, held_on=today, audience="professionals", format="group", participants=6,
                           themes=["accès à la formation", "mobilité à la sortie"], actor=actor, now=now)
    elif name == "diagnostic_conclusions_written":
        from .diagnostic.operations import write_conclusions

        write_conclusions(session, site, CONCLUSIONS, actor=actor, now=now)
    elif name in ("call_document_drafted", "call_published", "call_meetings_offered", "call_applications_scored"):
        _call_work(session, site, name, actor, now)
    elif name == "workstream_complete":
        from .support.operations import set_item, spec_of

        stream = next(w for w in spec_of(site).workstreams if w.id == argument)
        for item in stream.checklist:
            set_item(session, site, stream.id, item.id, True, actor=actor, now=now)
    elif name == "immersion_scheduled":
        from .support.operations import set_immersion

        set_immersion(session, site, starts_on=today, ends_on=today + timedelta(days=14), actor=actor, now=now)
    elif name == "budget_drawn_up":
        from .budget.operations import add_line

        add_line(session, site, kind="expense", category=_category(site, 1), label="Aménagement de la zone d'atelier",
                 planned="45000", actor=actor, now=now)
        add_line(session, site, kind="income", category=_category(site, -1), label="Aide au démarrage", funder="ATIGIP",
                 planned="30000", actor=actor, now=now)
    elif name == "committee_held_with_minutes":
        from .committees.minutes import minutes_version, save_minutes

        meeting = held_meeting(session, site, argument, actor, now)
        save_minutes(session, meeting, "Relevé de décisions : le comité fixe ses rôles et son calendrier.",
                     minutes_version(session, meeting), actor, now)
    elif name == "team_file_has":
        from .team import operations as team

        present = {p.organisation.category for p in team.people_of(session, site, include_left=False)}
        for category in (c for c in argument.split(",") if c not in present):
            org = team.organisation_for(session, site, category, actor, now)
            team.add_person(session, site, name=f"Référent {category.upper()} (fictif)",
                            email=f"referent.{category}.{site.id}@example.org", organisation=org, actor=actor,
                            now=now, start_on=min(site.start_on, today))
    elif name == "project_note_written":
        from .documents.note import NOTE_SECTIONS, note_sections, save_note_section

        saved = note_sections(session, site)
        for section, (label, _) in NOTE_SECTIONS.items():
            if saved[section] is None or not saved[section].body_md.strip():
                save_note_section(session, site, section, f"{label} : rédigé par le comité technique (fictif).",
                                  saved[section].version if saved[section] else 0, actor, now)
    else:  # pragma: no cover - every declared kind is handled above
        raise KeyError(name)


def _call_work(session: Session, site: Site, name: str, actor: Actor, now: datetime) -> None:
    from .calls import applications as apps
    from .calls import operations as calls
    call = next(iter(calls.current_calls(session, site)), None)
    if call is None:
        call = calls.create_call(session, site, None, actor=actor, now=now)
    if calls.drafting_problems(call):
        calls.edit_call(session, site, call, actor=actor, now=now, capacity=12,
                        body="Le comité technique recherche une structure de l'ESS pour porter un atelier "
                             "de production dans l'établissement.",
                        needs=call.needs or CONCLUSIONS, workshop_zone="Atelier de 400 m² au rez-de-chaussée",
                        surveillance_constraints="Mouvements regroupés matin et après-midi")
    if name == "call_document_drafted":
        return
    if call.published_on is None:
        # recorded now, published earlier: the answer window has closed, so the committee can select
        today = local_date(now)
        calls.publish_call(session, site, call, published_on=today - timedelta(days=PUBLISHED_DAYS_AGO),
                           closes_on=today - timedelta(days=PUBLISHED_DAYS_AGO - 75), actor=actor, now=now)
    if name == "call_meetings_offered":
        calls.add_slot(session, site, call, kind="visit", starts_dt=now - timedelta(days=PUBLISHED_DAYS_AGO - 14),
                       place="Zone d'atelier", actor=actor, now=now)
    if name == "call_applications_scored":
        application = call.applications[0] if call.applications else apps.add_application(
            session, site, call, organisation="Association Pas à Pas (fictive)", legal_status="association",
            activity="Reconditionnement de matériel informatique", actor=actor, now=now,
            received_on=call.published_on + timedelta(days=10))
        member, = scorers(session, site, call, ("Membre du comité (fictif)",), actor, now)
        apps.score(session, site, call, application, member=member,
                   scores={c["id"]: 3 for c in call.criteria}, actor=actor, now=now)


def scorers(session: Session, site: Site, call, names: tuple[str, ...], actor: Actor, now: datetime) -> list:
    """As many members of the committee that selects as ``names`` (score sheets are by
    them): those who sit on it today, then fictional people with these names added to the
    team file with a seat on it."""
    from .calls.applications import scoring_committee, scoring_members
    from .team import operations as team

    day = local_date(now)
    people = scoring_members(session, site, call, day)[:len(names)]
    committee_id = scoring_committee(site, call)
    for i, name in enumerate(names[len(people):], len(people)):
        org = team.organisation_for(session, site, FICTIONAL_MEMBER_CATEGORY, actor, now)
        people.append(team.add_person(session, site, name=name, email=f"jury.{i}.{call.id}.{site.id}@example.org",
                                      organisation=org, actor=actor, now=now,
                                      committees=(committee_id,) if committee_id else (),
                                      start_on=min(site.start_on, day)))
    return people


def _figures(session: Session, site: Site, index: int, counts: tuple[int, ...], actor: Actor,
             now: datetime) -> None:
    """Invented counts for the definition's ``index``-th dimension, from one of its sources."""
    from .diagnostic import operations as diag

    spec = diag.spec_of(site)
    if not spec.dimensions:
        return
    dimension = spec.dimensions[index % len(spec.dimensions)]
    cells = dict(zip((c.id for c in dimension.categories), counts))
    if cells:
        diag.set_indicator(session, site, dimension.id, cells, actor=actor, now=now,
                           source_key=spec.sources[index % len(spec.sources)].id)


def _category(site: Site, index: int) -> str:
    categories = workflow_of(site).work.budget_categories
    return categories[index].id if categories else "divers"


def held_meeting(session: Session, site: Site, committee_id: str, actor: Actor, when: datetime):
    """A held meeting of a site's committee, on or before ``when``: the latest one, or a
    new one on the previous working day, its members present (a fictional member is added
    to the team file when the committee has none)."""
    from datetime import time

    from sqlalchemy import select

    from .clock import department_zone
    from .committees.attendance import mark_held
    from .workdays import is_working_day
    from .committees.models import Meeting
    from .committees.operations import schedule
    from .decision_rules import HELD, meeting_is_held
    from .team import operations as team

    held = [m for m in session.scalars(select(Meeting).where(
        Meeting.site_id == site.id, Meeting.committee_id == committee_id, Meeting.status.in_(HELD),
        Meeting.starts_dt <= when).order_by(Meeting.starts_dt.desc())) if meeting_is_held(m)]
    if held:
        return held[0]
    day = local_date(when) - timedelta(days=1)
    while not is_working_day(day, site.department):
        day -= timedelta(days=1)
    starts = datetime.combine(day, time(14, 0), tzinfo=department_zone(site.department))
    if not team.committee_members(session, site, committee_id, day):
        # a service of the establishment that sits on committees (the guide names national education)
        # and is not among the leads that deadline reminders go to
        org = team.organisation_for(session, site, FICTIONAL_MEMBER_CATEGORY, actor, when)
        team.add_person(session, site, name=f"Membre {committee_id} (fictif)", email=f"membre.{committee_id}.{site.id}@example.org",
                        organisation=org, actor=actor, now=when, committees=(committee_id,),
                        start_on=min(site.start_on, day))
    meeting = schedule(session, site, committee_id, starts, actor, when)
    return mark_held(session, meeting, {a.person_id: "present" for a in meeting.attendees}, actor, when)


def _meeting_for(session: Session, site: Site, key: str, actor: Actor, when: datetime):
    committee_id = workflow_of(site).decision(key).taken_in
    return held_meeting(session, site, committee_id, actor, when) if committee_id else None


def decide(session: Session, site: Site, key: str, value: str, actor: Actor, when: datetime) -> bool:
    """Take a gate decision the way the stage work does, when a feature owns it:
    the structure choice with its rationale, the committee's selection among scored
    applications, the DUI's signature circuit, the opening confirmation. False when no
    feature owns the decision."""
    from .calls import applications as apps
    from .calls.operations import get_call
    from .diagnostic.operations import choose_structure
    from .support import operations as support

    work = workflow_of(site).work
    if work.diagnostic and key == work.diagnostic.structure_decision:
        choose_structure(session, site, value, "Choix fondé sur les besoins relevés par le diagnostic.",
                         actor=actor, now=when, meeting=_meeting_for(session, site, key, actor, when))
        return True
    for spec in work.calls:
        if key == spec.selection_decision and spec.stage == site.stage:
            call = get_call(session, site, spec.id)
            day = call.published_on + timedelta(days=10)
            chosen = apps.add_application(session, site, call, organisation=value, legal_status="association",
                                          activity="Activité de production (fictive)", received_on=day,
                                          actor=actor, now=when)
            other = apps.add_application(session, site, call, organisation="Coopérative Horizon (fictive)",
                                         legal_status="SCIC", activity="Sous-traitance industrielle",
                                         received_on=day, actor=actor, now=when)
            members = scorers(session, site, call, ("Membre EP (fictif)", "Membre Cress (fictive)"), actor, when)
            for member, (good, fair) in zip(members, ((5, 3), (4, 3))):
                apps.score(session, site, call, chosen, member=member, actor=actor, now=when,
                           scores={c["id"]: good for c in call.criteria})
                apps.score(session, site, call, other, member=member, actor=actor, now=when,
                           scores={c["id"]: fair for c in call.criteria})
            apps.select_applications(session, site, call, [chosen.id], actor=actor, now=when,
                                     meeting=_meeting_for(session, site, key, actor, when))
            return True
    support_spec = work.support
    if support_spec and support_spec.dui and key == support_spec.dui.signed_decision:
        # in the planned window when it has come (one to two months before the opening), a week apart
        from .sites.operations import deadline_window

        window = deadline_window(session, site, support_spec.dui.deadline) if support_spec.dui.deadline else None
        last = min(window.latest, local_date(when)) if window else local_date(when)
        day = last - timedelta(days=(len(support_spec.dui.signatories) - 1) * 7)
        for i, signatory in enumerate(support_spec.dui.signatories):
            support.sign_dui(session, site, signatory.id, signed_on=day + timedelta(days=7 * i),
                             signed_by=f"{signatory.label.fr} (signataire fictif)", actor=actor, now=when)
        return True
    if support_spec and key == support_spec.opening_decision:
        support.confirm_opening(session, site, value, actor=actor, now=when)
        return True
    return False


def walk(session: Session, site: Site, stage: str, actor: Actor, now: datetime, values: dict[str, str]) -> Site:
    """Do everything each gate asks, the way the method does, and advance until ``stage``:
    tasks met by evidence get their (fictional) work done, decisions a piece of work
    settles are taken through that work, others are recorded with ``values[key]`` (each in
    a held meeting of its committee when one takes it). For tests and the demo: everything
    happens at ``now`` (a call is recorded as published long enough before for its answer
    window to have closed)."""
    from .sites import operations as ops

    workflow = workflow_of(site)
    while site.stage != stage:
        st = workflow.stage(site.stage)
        for key in st.gate.tasks:
            spec = workflow.task(key)[1].evidence
            if spec:
                produce(session, site, spec, actor, now)
            else:
                ops.set_task(session, site, key, True, actor, now)
        for key in st.gate.decisions:
            if not decide(session, site, key, values[key], actor, now):
                ops.record_decision(session, site, key=key, value=values[key], text=None, actor=actor, now=now,
                                    meeting=_meeting_for(session, site, key, actor, now))
        ops.advance(session, site, actor, now)
    return site


def build_stage_demo(session: Session, sites: list[Site], now: datetime, actor: Actor) -> None:
    """Richer fictional work for the demo sites that have a diagnostic or a call behind them."""
    from .budget.operations import add_line
    from .diagnostic import operations as diag

    for site in sites:
        wf = workflow_of(site)
        index = wf.stage_index(site.stage)
        if index > _stage_of_evidence(wf, "diagnostic_conclusions_written"):
            _figures(session, site, 1, (47, 38, 21, 2), actor, now)
            _figures(session, site, 3, (40, 52, 17), actor, now)
            diag.log_interview(session, site, held_on=local_date(now) - timedelta(days=200), audience="detainees",
                               format="group", participants=8, themes=["envie de travailler", "accès à la formation"],
                               actor=actor, now=now)
            diag.add_initiative(session, site, name="Chantier espaces verts (fictif)",
                                kind=diag.spec_of(site).initiative_kinds[-1].id,
                                description="Accueille des personnes à la sortie.", actor=actor, now=now)
        if wf.work.support and index == _stage_of_evidence(wf, "workstream_complete"):
            _support_in_progress(session, site, now, actor)
        if index >= _stage_of_evidence(wf, "budget_drawn_up"):
            add_line(session, site, kind="expense", category=_category(site, 0), label="Encadrant technique (0,8 ETP)",
                     planned="32 000,00", actor=actor, now=now)
            add_line(session, site, kind="income", category=_category(site, -1), label="Aide aux postes", funder="DDETS",
                     planned="21 500,00", status="granted", actor=actor, now=now)


def _support_in_progress(session: Session, site: Site, now: datetime, actor: Actor) -> None:
    from .sites.operations import deadline_window
    from .support import operations as support

    spec = support.spec_of(site)
    today = local_date(now)
    first = spec.workstreams[0]
    for item in first.checklist[:2]:
        support.set_item(session, site, first.id, item.id, True, done_on=today - timedelta(days=20), actor=actor,
                         now=now)
    support.set_immersion(session, site, starts_on=today + timedelta(days=30), ends_on=today + timedelta(days=44),
                          actor=actor, now=now)
    window = deadline_window(session, site, spec.dui.deadline) if spec.dui and spec.dui.deadline else None
    if spec.dui and window is not None and window.earliest <= today - timedelta(days=2):  # a circuit under way
        signatory = spec.dui.signatories[0]
        support.sign_dui(session, site, signatory.id, signed_on=today - timedelta(days=2),
                         signed_by=f"{signatory.label.fr} (signataire fictif)", actor=actor, now=now)


def _stage_of_evidence(workflow, name: str) -> int:
    """The index of the stage holding the first task proven by ``name`` (past the end if none)."""
    for i, stage in enumerate(workflow.stages):
        if any(t.evidence and evidence.split(t.evidence)[0] == name for t in stage.tasks):
            return i
    return len(workflow.stages) + 1
