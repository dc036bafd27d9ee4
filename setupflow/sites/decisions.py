"""The decision log of sites: read, search, and the gates a site has passed that no
longer hold (a gate decision was superseded after the site moved on).

The site does not move back by itself: a manager decides. ``passed_unmet_gates``
tells the portfolio which sites show that inconsistency.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from ..engine import GateStatus, evaluate_gate
from ..inputs import like_escaped
from .models import Decision, Site
from .operations import current_decisions, done_tasks
from .runtime import workflow_of


def decision_log(session: Session, site: Site, *, include_superseded: bool = True) -> list[Decision]:
    """Every decision of a site, newest first; superseded ones stay with their reason."""
    query = select(Decision).where(Decision.site_id == site.id)
    if not include_superseded:
        query = query.where(Decision.superseded_by_id.is_(None))
    return list(session.scalars(query.order_by(Decision.decided_on.desc(), Decision.id.desc())))


def search_decisions(session: Session, site_ids: Iterable[int] | Select, text: str | None = None, *,
                     include_superseded: bool = True, limit: int = 500) -> list[Decision]:
    """Decisions of a set of sites (a list of ids, or a SELECT of site ids) whose text or
    value contains ``text``, case-insensitively; newest first."""
    if not isinstance(site_ids, Select):
        site_ids = [int(i) for i in site_ids]
    query = select(Decision).where(Decision.site_id.in_(site_ids))
    needle = (text or "").strip()
    if needle:
        pattern = f"%{like_escaped(needle.lower())}%"
        query = query.where(or_(func.lower(Decision.text).like(pattern, escape="\\"),
                                func.lower(func.coalesce(Decision.value, "")).like(pattern, escape="\\"),
                                func.lower(func.coalesce(Decision.key, "")).like(pattern, escape="\\")))
    if not include_superseded:
        query = query.where(Decision.superseded_by_id.is_(None))
    return list(session.scalars(query.order_by(Decision.decided_on.desc(), Decision.id.desc()).limit(limit)))


def passed_unmet_gates(session: Session, site: Site) -> list[GateStatus]:
    """The gates of stages the site has already left that are not met any more."""
    workflow = workflow_of(site)
    done = done_tasks(session, site)
    decisions = {k: d.value for k, d in current_decisions(session, site).items()}
    passed = workflow.state_ids[:workflow.stage_index(site.stage)]
    out = []
    for stage_id in passed:
        gate = evaluate_gate(workflow, stage_id, done, decisions)
        if not gate.met:
            out.append(gate)
    return out


def record_problems(session: Session, site: Site) -> list[dict]:
    """Every inconsistency of a site's record with its definition: a current decision the
    definition's rules would refuse today (recorded directly instead of by its work, in
    another stage, outside a held meeting of its committee), a gate already passed that
    no longer holds, a final state reached before its date, a score sheet not by a member of
    the committee that selects. A decision (or score sheet) flagged as recorded
    before the rule (``upgrade_definition``) is still listed, with ``flagged``."""
    from ..committees.models import Meeting
    from ..decision_rules import decision_problems
    from ..engine import final_state_day
    from .models import HistoryEntry

    workflow = workflow_of(site)
    current = current_decisions(session, site)
    recorded = {}
    flagged = set()
    flagged_gates = set()
    for entry in session.scalars(select(HistoryEntry).where(
            HistoryEntry.site_id == site.id, HistoryEntry.action.in_(("decision", "recorded_before_rule")))):
        if entry.action == "decision":
            recorded[entry.detail.get("decision_id")] = entry
        elif entry.detail.get("rule") == "gate":
            flagged_gates.add(entry.detail.get("stage"))
        else:
            flagged.add((entry.detail.get("decision_id"), entry.detail.get("rule")))
    out = []
    for decision in current.values():
        entry = recorded.get(decision.id)
        meeting = session.get(Meeting, decision.meeting_id) if decision.meeting_id else None
        for problem in decision_problems(workflow, decision, stage_at=entry.stage if entry else None,
                                         through=entry.detail.get("through") if entry else None, meeting=meeting):
            out.append({**problem.as_dict(), "flagged": (decision.id, problem.rule) in flagged})
    for gate in passed_unmet_gates(session, site):
        out.append({"decision": None, "key": gate.stage, "rule": "gate",
                    "detail": f"the gate of '{gate.stage}' no longer holds: "
                              + ", ".join(c.key for c in gate.unmet), "flagged": gate.stage in flagged_gates})
    from ..calls.applications import score_sheet_problems

    out.extend(score_sheet_problems(session, site))
    day = final_state_day(workflow, {k: d.value for k, d in current.items()})
    if site.stage == workflow.final.id and day is not None and site.stage_entered_on < day:
        out.append({"decision": None, "key": workflow.final.on_date, "rule": "final_date",
                    "detail": f"reached '{site.stage}' on {site.stage_entered_on}, before its date {day}",
                    "flagged": False})
    return out


def inconsistent_sites(session: Session, sites_query: Select) -> dict[int, list[dict]]:
    """The sites of ``sites_query`` (a ``select(Site)``, e.g. those a person may see) whose
    record has inconsistencies with their definition, with them (``record_problems``): the
    portfolio's filter and ``site check --all``. One check per site: meant to be asked for."""
    out = {}
    for site in session.scalars(sites_query.order_by(None).order_by(Site.id)):
        problems = record_problems(session, site)
        if problems:
            out[site.id] = problems
    return out
