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
