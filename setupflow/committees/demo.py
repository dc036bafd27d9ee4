"""Fictional team files and meetings for the demo sites: every name, e-mail (example.org)
and phone number here is invented."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from sqlalchemy.orm import Session

from ..clock import department_zone, local_date
from ..planning import add_months
from ..sites.models import Site
from ..sites.operations import Actor
from ..sites.runtime import workflow_of
from ..team import operations as team
from . import actions, attendance, minutes, operations as meetings
from ..workdays import meeting_day
from .proposals import propose

# (first name, last name, category, organisation, function, committees)
DEMO_PEOPLE = (
    ("Maëlle", "Kerbrat", "ep", "Direction de l'établissement", "Directrice adjointe", ("technical", "partnership")),
    ("Yann", "Le Goff", "spip", "SPIP", "CPIP référent insertion", ("technical",)),
    ("Sophie", "Arnaud", "disp", "DISP", "Chargée de mission travail", ("technical", "partnership")),
    ("Bastien", "Morvan", "cress", "Cress", "Chargé de développement ESS", ("technical", "partnership")),
    ("Nadia", "Benali", "ddets", "DDETS", "Chargée de mission IAE", ("partnership",)),
    ("Hervé", "Quéré", "departmental_council", "Conseil départemental", "Chef de service insertion",
     ("partnership",)),
)

MINUTES = """## Points abordés

- Tour de table et rappel des étapes de la méthode.
- Point sur le diagnostic : données quantitatives demandées au greffe et à l'unité sanitaire.
- Organisation de l'accès de la personne chargée du diagnostic à l'établissement.

## Suite

La prochaine réunion fera le point sur les entretiens collectifs.
"""


def _slug(text: str) -> str:
    table = str.maketrans("àâäéèêëïîôöùûüçÀÂÉÈÊÎÔÛÇ' ", "aaaeeeeiioouuucAAEEEIOUC--")
    return text.translate(table).lower()


def _at(day, hour: int, department: str | None) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=department_zone(department)).astimezone(timezone.utc)


def build_committees_demo(session: Session, sites: list[Site], now: datetime, actor: Actor) -> None:
    for index, site in enumerate(sites):
        committees = {c.id for c in workflow_of(site).committees}
        orgs, people = {}, []
        for first, last, category, org_name, function, seats in DEMO_PEOPLE:
            if category not in orgs:
                orgs[category] = team.add_organisation(session, site, name=f"{org_name} ({site.establishment or site.name})"
                                                       if category == "ep" else f"{org_name} (fictif)",
                                                       category=category, actor=actor, now=now)
            email = f"{_slug(first)}.{_slug(last)}.s{index + 1}@example.org"
            people.append(team.add_person(session, site, name=f"{first} {last}", email=email,
                                          organisation=orgs[category], actor=actor, now=now, function=function,
                                          phone=f"02 99 00 {10 + index:02d} {len(people) + 10:02d}",
                                          committees=[c for c in seats if c in committees],
                                          start_on=site.start_on))
        if "technical" not in committees:
            continue
        _past_meetings(session, site, people, now, actor)
        upcoming = propose(session, site, now, actor)
        for m in upcoming[:2]:
            meetings.confirm(session, m, actor, now)
            for role, person in zip(("agenda", "invitations", "facilitation", "logistics"), people):
                attendance.assign_role(session, m, role, person, actor, now)


def _past_meetings(session: Session, site: Site, people, now: datetime, actor: Actor) -> None:
    """Held technical meetings since the start: the first ones approved, the last one with draft minutes."""
    today = local_date(now)
    days = []
    step = 0
    while (day := meeting_day(add_months(site.start_on, 3 * step) + timedelta(days=7), 1, site.department)) \
            < today - timedelta(days=7) and step < 10:
        days.append(day)
        step += 1
    for n, day in enumerate(days):
        m = meetings.schedule(session, site, "technical", _at(day, 14, site.department), actor, _at(day, 9, site.department) - timedelta(days=20),
                              place="Salle de réunion de l'établissement")
        meetings.set_agenda(session, m, ["Avancement du projet", "Diagnostic", "Prochaines étapes"], actor, now)
        for role, person in zip(("agenda", "invitations", "facilitation", "logistics"), people):
            attendance.assign_role(session, m, role, person, actor, now)
        held_at = _at(day, 17, site.department)
        attendance.mark_held(session, m, {a.person_id: ("excused" if i == 1 else "present")
                                        for i, a in enumerate(m.attendees)}, actor, held_at)
        minutes.save_minutes(session, m, MINUTES, 0, actor, held_at)
        minutes.record_meeting_decision(session, m, None, None,
                                        f"Calendrier validé jusqu'à la prochaine réunion (réunion {n + 1})",
                                        actor, held_at)
        due = day + timedelta(days=30)
        item = actions.add_action(session, m, "Transmettre les données du greffe au comité", people[n % len(people)],
                                  actor, held_at, due_on=due)
        if due < today - timedelta(days=10) and n % 2 == 0:
            actions.set_action_status(session, item, "done", actor, now)
        if n < len(days) - 1:
            minutes.approve_minutes(session, m, 1, actor, held_at + timedelta(days=7))
