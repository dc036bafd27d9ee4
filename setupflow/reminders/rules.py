"""From the workflow's reminder rules to the reminders a site should have at ``now``:
instants, recipients, and the site-level rules (deadline windows, stage past its maximum).

Meeting and action-item rules are in ``meeting_rules.py``. Nothing here writes: the
result goes to ``operations.sync``.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import department_zone, local_date
from ..definitions.schema import ReminderRule, Workflow
from ..sites.models import Site
from ..sites.operations import dated_decisions, planned, progress
from ..sites.runtime import workflow_of
from ..team.models import Organisation, Person
from ..workdays import at_local, shift_days
from .planned import Planned, Recipient


def rule_instant(rule: ReminderRule, anchor: date, department: str | None, days: int | None = None) -> datetime:
    """The instant a rule fires for an anchor day: anchor + days (calendar or working), at ``rule.at``."""
    offset = rule.days if days is None else days
    return at_local(shift_days(anchor, offset, rule.working_days, department), rule.at, department)


def occurrence(first: datetime, every_days: int | None, now: datetime) -> datetime:
    """For a repeating rule, the latest occurrence at or before ``now`` (the first one while it is ahead)."""
    if every_days is None or now <= first:
        return first
    step = timedelta(days=every_days)
    return first + step * ((now - first) // step)


def end_of_day(day: date, department: str | None) -> datetime:
    """The end of ``day`` where the department lives."""
    return at_local(day + timedelta(days=1), "00:00", department)


def rules_for(workflow: Workflow, *events: str) -> list[ReminderRule]:
    return [r for r in workflow.reminders if r.event in events]


# -- recipients ------------------------------------------------------------------------

def active(person: Person | None, session: Session) -> Person | None:
    """The person, or whoever took over from them if they left (followed to the end)."""
    seen = set()
    while person is not None and person.left_on is not None and person.id not in seen:
        seen.add(person.id)
        person = session.get(Person, person.successor_id) if person.successor_id else None
    return person if person is not None and person.left_on is None else None


def recipient(person: Person) -> Recipient:
    return Recipient(email=person.email.strip().lower(), name=person.name, language=person.language or "fr")


def team_by_category(session: Session, site: Site) -> dict[str, list[Person]]:
    rows = session.execute(select(Person, Organisation.category).join(Organisation).where(
        Person.site_id == site.id, Person.left_on.is_(None)).order_by(Person.id))
    out: dict[str, list[Person]] = {}
    for person, category in rows:
        out.setdefault(category, []).append(person)
    return out


def organisation_recipients(rule: ReminderRule, team: dict[str, list[Person]]) -> list[Recipient]:
    out: dict[str, Recipient] = {}
    for spec in rule.to:
        if spec.startswith("organisation:"):
            for person in team.get(spec.partition(":")[2], ()):
                out.setdefault(person.email.lower(), recipient(person))
    return list(out.values())


def site_context(site: Site) -> dict:
    return {"id": site.id, "name": site.name}


# -- site-level rules --------------------------------------------------------------------

def site_reminders(session: Session, site: Site, now: datetime) -> list[Planned]:
    """Deadline windows and a stage past its maximum duration, for the site's team."""
    workflow = workflow_of(site)
    if site.stage == workflow.final.id:
        return []
    team = team_by_category(session, site)
    today = local_date(now, department_zone(site.department))
    out: list[Planned] = []
    stage_index = workflow.stage_index(site.stage)
    plan = planned(site, dated_decisions(session, site))
    for dp in plan.deadlines:
        deadline = dp.deadline
        if dp.done_on is not None:
            continue
        if deadline.stage is not None and stage_index < workflow.stage_index(deadline.stage):
            continue
        subject = f"site:{site.id}:deadline:{deadline.id}"
        for rule in rules_for(workflow, "deadline_opens", "deadline_closing", "deadline_missed"):
            if rule.event == "deadline_opens":
                due, expires, once = rule_instant(rule, dp.window.earliest, site.department), end_of_day(dp.window.latest, site.department), True
            elif rule.event == "deadline_closing":
                due, expires, once = rule_instant(rule, dp.window.latest, site.department), end_of_day(dp.window.latest, site.department), True
            else:
                if deadline.done_by is None:
                    continue  # nothing records that it is done: cannot tell it was missed
                first = rule_instant(rule, dp.window.latest, site.department)
                due, expires, once = occurrence(first, rule.repeat_every_days, now), None, False
            for to in organisation_recipients(rule, team):
                context = {"site": site_context(site), "path": f"/sites/{site.id}", "name": to.name,
                           "deadline": {"id": deadline.id, "label": deadline.label.get(to.language),
                                        "earliest": dp.window.earliest.isoformat(),
                                        "latest": dp.window.latest.isoformat(), "is_estimate": dp.is_estimate}}
                out.append(Planned(rule.id, subject, due, to, rule.template, context, site.id, expires, once))
    prog = progress(session, site, today)
    if prog.stage_overdue_on is not None:
        stage = workflow.stage(site.stage)
        for rule in rules_for(workflow, "stage_past_max"):
            # planned ahead; withdrawn by the next planning pass if the site moves on before. Past
            # the usual range the site is only at risk: the reminder waits for the hard maximum
            first = rule_instant(rule, prog.stage_overdue_on, site.department)
            due = occurrence(first, rule.repeat_every_days, now)
            subject = f"site:{site.id}:stage:{site.stage}:{site.stage_entered_on.isoformat()}"
            for to in organisation_recipients(rule, team):
                context = {"site": site_context(site), "path": f"/sites/{site.id}", "name": to.name,
                           "stage": {"id": stage.id, "label": stage.label.get(to.language),
                                     "entered_on": site.stage_entered_on.isoformat(),
                                     "max_months": stage.duration.most,
                                     "due_on": prog.stage_overdue_on.isoformat()}}
                out.append(Planned(rule.id, subject, due, to, rule.template, context, site.id, None,
                                   rule.repeat_every_days is None))
    return out
