"""What the site page shows, as plain data built from engine functions."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from setupflow.accounts import access
from setupflow.accounts.models import User
from setupflow.next_steps import Known, next_steps, role_label
from setupflow.planning import add_months
from setupflow.sites import operations as ops
from setupflow.sites.models import HistoryEntry, Site
from setupflow.sites.runtime import workflow_of

from . import timeline


#: where the work that meets a task by evidence is done: evidence kind -> (endpoint, link text)
WORK_PAGES = {
    "diagnostic_sources_collected": ("diagnostic.show", _l("Diagnostic")),
    "diagnostic_conclusions_written": ("diagnostic.show", _l("Diagnostic")),
    "call_document_drafted": ("calls.index", _l("Calls and selection")),
    "call_published": ("calls.index", _l("Calls and selection")),
    "call_meetings_offered": ("calls.index", _l("Calls and selection")),
    "call_applications_scored": ("calls.index", _l("Calls and selection")),
    "workstream_complete": ("support.show", _l("Support until opening")),
    "immersion_scheduled": ("support.show", _l("Support until opening")),
    "budget_drawn_up": ("budget.show", _l("Forecast budget")),
    "committee_held_with_minutes": ("meetings.index", _l("Meetings")),
    "team_file_has": ("team.index", _l("Team file")),
    "project_note_written": ("documents.note", _l("Project note")),
    # the work that settles a decision (a decision kind's ``settled_by``)
    "diagnostic_choice": ("diagnostic.show", _l("Diagnostic")),
    "call_selection": ("calls.index", _l("Calls and selection")),
    "call_publication": ("calls.index", _l("Calls and selection")),
    "dui_circuit": ("support.show", _l("Support until opening")),
    "opening_confirmation": ("support.show", _l("Support until opening")),
}


#: the rule of each kind of evidence, as shown next to its task (``%(what)s``: its argument)
EVIDENCE_RULES = {
    "diagnostic_sources_collected": _l("Met when every data source is obtained or known to be unavailable (at least "
                                       "one obtained) and an aggregate indicator is recorded; interviews count when "
                                       "there are some."),
    "diagnostic_conclusions_written": _l("Met when the diagnostic's conclusions are written."),
    "call_document_drafted": _l("Met when a call has its text, the needs it answers and weighted criteria."),
    "call_published": _l("Met when a call is published with its closing date."),
    "call_meetings_offered": _l("Met when candidates are offered a visit of the workshop zone or a bilateral "
                                "meeting."),
    "call_applications_scored": _l("Met when every application of a call has scores."),
    "workstream_complete": _l("Met when every item of the workstream's checklist is done."),
    "immersion_scheduled": _l("Met when the supervisors' immersion period has dates."),
    "budget_drawn_up": _l("Met when the forecast budget has an expense line and an income line."),
    "committee_held_with_minutes": _l("Met when a meeting of the %(what)s has been held (attendance recorded) and "
                                      "its minutes are written."),
    "team_file_has": _l("Met when the team file has someone in the project from each of: %(what)s."),
    "project_note_written": _l("Met when every section of the project note is written."),
}


def evidence_rule(site: Site, evidence: str | None, lang: str) -> str:
    """The rule that meets a task by evidence, in words, with its argument named."""
    from setupflow.definitions import vocabulary

    if not evidence:
        return ""
    name, _, argument = evidence.partition(":")
    rule = EVIDENCE_RULES.get(name)
    if rule is None:
        return ""
    what = argument
    if name == "committee_held_with_minutes":
        try:
            what = workflow_of(site).committee(argument).label.get(lang)
        except KeyError:
            pass
    elif name == "team_file_has":
        what = ", ".join(vocabulary.current().category_label(c, lang) for c in argument.split(","))
    return str(rule) % {"what": what}


def work_page(evidence: str | None):
    """The (endpoint, link text) of the page where the work meeting ``evidence`` is done."""
    if not evidence:
        return None
    return WORK_PAGES.get(evidence.split(":", 1)[0])


def stage_tracker(site: Site, prog, lang: str) -> list[dict]:
    workflow = workflow_of(site)
    current = workflow.stage_index(site.stage)
    spans = {s.stage_id: s for s in prog.plan.stages}
    out = []
    for i, stage in enumerate(workflow.stages):
        span = spans.get(stage.id)
        out.append({"id": stage.id, "label": stage.label.get(lang), "number": i + 1,
                    "status": "done" if i < current else "current" if i == current else "todo",
                    "min": stage.duration.min, "max": stage.duration.max,
                    "start": span.start.earliest if span else None,
                    "end": span.end.earliest if span and i < current else None})
    return out


def decision_forms(site: Site) -> list:
    """The decision kinds offered as forms: the gate decisions of the current stage only
    (dates such as a call's publication are recorded by the work that sets them)."""
    workflow = workflow_of(site)
    if site.stage == workflow.final.id:
        return []
    return [workflow.decision(k) for k in workflow.stage(site.stage).gate.decisions]


def decisions_taken(site: Site, decisions: dict) -> list:
    """The current decisions in the definition's order (those it no longer knows last)."""
    workflow = workflow_of(site)
    order = {d.id: i for i, d in enumerate(workflow.decisions)}
    return sorted(decisions.values(), key=lambda d: (order.get(d.key, len(order)), d.id))


RECENT_HISTORY = 20


def recent_history(session: Session, site: Site, offset: int, limit: int) -> list[HistoryEntry]:
    """History entries newest first (entries of the same instant: the last recorded first)."""
    return session.scalars(select(HistoryEntry).where(HistoryEntry.site_id == site.id)
                           .order_by(HistoryEntry.at_dt.desc(), HistoryEntry.id.desc())
                           .offset(offset).limit(limit)).all()


def site_page(session: Session, user: User, site: Site, today: date, lang: str, side: str | None,
              now: datetime | None = None) -> dict:
    workflow = workflow_of(site)
    is_final = site.stage == workflow.final.id
    stage = None if is_final else workflow.stage(site.stage)
    side = side if side in ("pa", "ess") else access.DEFAULT_SIDE.get(user.role, "ess")
    dated = ops.dated_decisions(session, site)
    prog = ops.progress(session, site, today, dated)
    plan = ops.planned(site, dated)
    done = ops.done_tasks(session, site)
    gate = ops.gate_of(session, site)
    decisions = ops.current_decisions(session, site)
    history = recent_history(session, site, 0, RECENT_HISTORY)
    labels = {s.id: s.label.get(lang) for s in workflow.stages}
    tl = timeline.build(plan, prog, labels, {d.id: d.label.get(lang) for d in workflow.deadlines},
                        site.stage, today, site.target_opening_on)
    return {
        "site": site, "workflow": workflow, "stage": stage, "is_final": is_final, "side": side,
        "other_side": "ess" if side == "pa" else "pa", "lang": lang,
        "tracker": stage_tracker(site, prog, lang), "progress": prog, "plan": plan,
        "min_due": add_months(site.stage_entered_on, stage.duration.min) if stage else None,
        "tasks": [(t, t.id in done) for t in stage.tasks] if stage else [],
        "gate": gate, "decisions": decisions, "decision_forms": decision_forms(site),
        "decisions_taken": decisions_taken(site, decisions), "work_page": work_page,
        "evidence_rule": lambda spec: evidence_rule(site, spec, lang),
        "history": history, "timeline": tl,
        "carried_by": lambda task: role_label(workflow, task.role, lang),
        "steps": next_steps(session, site, now or datetime.combine(today, time(12), timezone.utc), lang,
                            Known(today, prog, gate, done)),
        "earlier_stages": [s for s in workflow.stages[:workflow.stage_index(site.stage)]],
        "can_tick": access.can_tick_tasks(user, site), "can_edit": access.can_edit_site(user, site),
        "can_reopen": access.can_reopen(user, site), "can_create_lead": access.can_create_lead(user, site),
    }
