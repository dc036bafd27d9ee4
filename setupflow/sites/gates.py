"""A site's gate: which of its tasks are met (ticked, or proven by the work) and the
current value of its gate decisions, read with statements built once.
"""
from __future__ import annotations

from sqlalchemy import String, bindparam, cast, literal, null, select, union_all
from sqlalchemy.orm import Session

from .. import evidence
from ..engine import GateStatus, evaluate_gate
from .models import Decision, Site, SiteTask
from .runtime import workflow_of

_TASK = SiteTask.__table__.c
_DECISION = Decision.__table__.c


def met_tasks(session: Session, site: Site, ticked: set[str], keys=None) -> set[str]:
    """The tasks that are met: ticked by hand, or, for a task with evidence, proven by the
    work. Only the tasks in ``keys`` are examined when given (evidence costs a query)."""
    met = set()
    for stage in workflow_of(site).stages:
        for task in stage.tasks:
            if keys is not None and task.id not in keys:
                continue
            if task.evidence is None:
                if task.id in ticked:
                    met.add(task.id)
            elif evidence.holds(session, site, task.evidence):
                met.add(task.id)
    return met


def done_tasks(session: Session, site: Site) -> set[str]:
    """Every task of the site's definition that is met (for display)."""
    ticked = set(session.scalars(select(SiteTask.task_key).where(SiteTask.site_id == site.id, SiteTask.is_done)))
    return met_tasks(session, site, ticked)


def current_decisions(session: Session, site: Site) -> dict[str, Decision]:
    rows = session.scalars(select(Decision).where(Decision.site_id == site.id, Decision.key.is_not(None),
                                                  Decision.superseded_by_id.is_(None)).order_by(Decision.id))
    return {d.key: d for d in rows}


#: the key prefix, in ``current_values``, of a published call's closing date (``call:<call kind>``)
CALL_CLOSES = "call:"


def current_values(session: Session, site_ids) -> dict[int, dict[str, str]]:
    """The value of each current keyed decision of the sites ``site_ids`` (a list of ids, or
    a SELECT of them), by site and key, in one statement whatever the number of sites (the
    portfolio's health, the feed's deadlines). The same statement reads the closing date of
    each published call, under ``call:<call kind>`` (the latest call of a kind wins): once a
    call is published, its closing date is its answers deadline (``dated_values``)."""
    from ..calls.models import Call

    values: dict[int, dict[str, str]] = {}
    if isinstance(site_ids, (list, tuple, set)) and not site_ids:
        return values  # no site, no statement
    call = Call.__table__.c
    decisions = select(_DECISION.site_id, _DECISION.key, _DECISION.value, _DECISION.id.label("n"), literal(0)
                       .label("part")).where(_DECISION.site_id.in_(site_ids), _DECISION.key.is_not(None),
                                             _DECISION.superseded_by_id.is_(None))
    closes = select(call.site_id, (literal(CALL_CLOSES) + call.call_key).label("key"),
                    cast(call.closes_on, String).label("value"), call.id, literal(1)).where(
        call.site_id.in_(site_ids), call.published_on.is_not(None), call.closes_on.is_not(None),
        call.status != "unsuccessful")  # a call closed as unsuccessful no longer gives the deadline
    both = union_all(decisions, closes).subquery()
    rows = session.connection().execute(select(both.c.site_id, both.c.key, both.c.value)
                                        .order_by(both.c.part, both.c.n))
    for site_id, key, value in rows:
        values.setdefault(site_id, {})[key] = value
    return values


_GATE_INPUTS = union_all(
    select(literal("t").label("kind"), _TASK.task_key.label("key"), null().label("value"))
    .where(_TASK.site_id == bindparam("site_id"), _TASK.is_done),
    select(literal("d"), _DECISION.key, _DECISION.value)
    .where(_DECISION.site_id == bindparam("site_id"), _DECISION.key.is_not(None),
           _DECISION.superseded_by_id.is_(None)))


def gate_inputs(session: Session, site: Site) -> tuple[set[str], dict[str, str]]:
    """The ticked tasks and the current decision values of a site, in one statement."""
    done, values = set(), {}
    for kind, key, value in session.execute(_GATE_INPUTS, {"site_id": site.id}):
        if kind == "t":
            done.add(key)
        else:
            values[key] = value
    return done, values


def gate_of(session: Session, site: Site) -> GateStatus:
    """The gate of the site's current stage; only that gate's evidence is examined."""
    workflow = workflow_of(site)
    ticked, values = gate_inputs(session, site)
    keys = set() if site.stage == workflow.final.id else set(workflow.stage(site.stage).gate.tasks)
    return evaluate_gate(workflow, site.stage, met_tasks(session, site, ticked, keys), values)
