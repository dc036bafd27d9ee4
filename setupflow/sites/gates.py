"""A site's gate: which of its tasks are met (ticked, or proven by the work) and the
current value of its gate decisions, read with statements built once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from threading import Lock

from sqlalchemy import String, and_, bindparam, case, cast, exists, literal, null, select, union_all
from sqlalchemy.orm import Session

from .. import evidence
from ..definitions.schema import Workflow
from ..engine import GateInputs, GateStatus, StageMachine
from ..errors import NotFound
from .models import Decision, Site, SiteTask, WorkflowSnapshot
from .runtime import machine_of_snapshot, workflow_of, workflow_of_snapshot

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
        call.site_id.in_(site_ids), call.published_on.is_not(None), call.closes_on.is_not(None))
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


@dataclass(frozen=True)
class SiteGate:
    """A site as its stage machine sees it, read in one SELECT (``read_gate``): the row's
    stage, its optimistic-locking version, its definition and machine, and its gate."""

    site_id: int
    version: int
    stage: str
    stage_entered_on: date
    workflow: Workflow
    machine: StageMachine
    inputs: GateInputs

    @property
    def gate(self) -> GateStatus:
        return self.machine.gate(self.stage, self.inputs)


_SITES, _SNAPSHOTS = Site.__table__, WorkflowSnapshot.__table__
#: the definitions the gate statement covers (digest -> definition and machine), the most
#: recently needed last; a site on another definition adds it (and drops the oldest)
_COVERS = 8


class _GateStatement:
    """One SELECT of a site's row with its gate inputs and evidence: for each definition
    covered and each of its stages, one column per condition of the stage's gate, computed
    only when the site is on that definition and in that stage (a CASE: the database skips
    the subqueries of every other branch)."""

    def __init__(self, covered: dict):
        self.covered = covered
        columns, self.plan = [], {}
        site_id = _SITES.c.id
        for digest, (workflow, machine) in covered.items():
            for stage_id, gate in machine.gates.items():
                here = and_(_SNAPSHOTS.c.digest == digest, _SITES.c.stage == stage_id)
                plan = []
                for requirement in gate:
                    judge = _ticked
                    if requirement.kind == "decision":
                        value = select(_DECISION.value).where(
                            _DECISION.site_id == site_id, _DECISION.key == requirement.key,
                            _DECISION.superseded_by_id.is_(None)).order_by(_DECISION.id.desc()).limit(1) \
                            .scalar_subquery()
                    elif requirement.evidence is None:
                        value = exists().where(_TASK.site_id == site_id, _TASK.task_key == requirement.key,
                                               _TASK.is_done)
                    else:
                        name, argument = evidence.split(requirement.evidence)
                        proof = evidence.proofs()[name]
                        value = proof.read(workflow, argument, site_id)
                        judge = partial(_proven, proof.judge, workflow, argument)
                    plan.append((requirement, len(columns), judge))
                    columns.append(case((here, value)).label(f"g{len(columns)}"))
                self.plan[digest, stage_id] = plan
        self.statement = select(_SITES.c.id, _SITES.c.version_id, _SITES.c.stage, _SITES.c.stage_entered_on,
                                _SITES.c.snapshot_id, _SNAPSHOTS.c.digest, *columns) \
            .select_from(_SITES.join(_SNAPSHOTS, _SNAPSHOTS.c.id == _SITES.c.snapshot_id)) \
            .where(_SITES.c.id == bindparam("site_id"))


def _ticked(value) -> bool:
    return bool(value)


def _proven(judge, workflow, argument, value) -> bool:
    return bool(judge(value, workflow, argument))


_gate_statement = _GateStatement({})
_gate_lock = Lock()


def _cover(snapshot: WorkflowSnapshot) -> _GateStatement:
    """The gate statement, covering ``snapshot``'s definition."""
    global _gate_statement
    with _gate_lock:
        current = _gate_statement
        if snapshot.digest in current.covered:
            return current
        covered = dict(current.covered)
        covered[snapshot.digest] = (workflow_of_snapshot(snapshot), machine_of_snapshot(snapshot))
        while len(covered) > _COVERS:
            covered.pop(next(iter(covered)))
        _gate_statement = _GateStatement(covered)
        return _gate_statement


def read_gate(session: Session, site_id: int, site: Site | None = None) -> SiteGate:
    """A site's row, its gate inputs and its evidence, in one SELECT (a definition not seen
    yet by this process costs a second one, once). ``site``, when the caller holds it,
    names the definition to cover up front. What the session holds unflushed is flushed
    first, so that the gate sees it."""
    session.flush()
    statement = _gate_statement
    if site is not None and site.snapshot.digest not in statement.covered:
        statement = _cover(site.snapshot)
    row = session.execute(statement.statement, {"site_id": site_id}).first()
    if row is None:
        raise NotFound(code="site.not_found", field="site", site=site_id)
    if row.digest not in statement.covered:
        statement = _cover(session.get(WorkflowSnapshot, row.snapshot_id))
        row = session.execute(statement.statement, {"site_id": site_id}).first()
    workflow, machine = statement.covered[row.digest]
    met, decisions = set(), {}
    for requirement, index, judge in statement.plan[row.digest, row.stage]:
        value = row[6 + index]
        if requirement.kind == "decision":
            if value is not None:
                decisions[requirement.key] = value
        elif judge(value):
            met.add(requirement.key)
    return SiteGate(row.id, row.version_id, row.stage, row.stage_entered_on, workflow, machine,
                    GateInputs(frozenset(met), decisions))


def gate_of(session: Session, site: Site) -> GateStatus:
    """The gate of the site's current stage, read with the site in one SELECT (only that
    gate's evidence is examined)."""
    return read_gate(session, site.id, site).gate
