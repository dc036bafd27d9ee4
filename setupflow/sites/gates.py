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
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter, ClauseList, Grouping

from .. import evidence
from ..definitions.schema import Workflow
from ..engine import GateInputs, GateStatus, StageMachine
from ..db import among
from ..errors import NotFound
from ..prepared import Prepared
from .models import Decision, Site, SiteTask, WorkflowSnapshot
from .runtime import machine_of_snapshot, see_stage, stage_seen, workflow_of, workflow_of_snapshot

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
    of_sites = partial(among, session)  # a list of ids: one array parameter on PostgreSQL
    decisions = select(_DECISION.site_id, _DECISION.key, _DECISION.value, _DECISION.id.label("n"), literal(0)
                       .label("part")).where(of_sites(_DECISION.site_id, site_ids), _DECISION.key.is_not(None),
                                             _DECISION.superseded_by_id.is_(None))
    closes = select(call.site_id, (literal(CALL_CLOSES) + call.call_key).label("key"),
                    cast(call.closes_on, String).label("value"), call.id, literal(1)).where(
        of_sites(call.site_id, site_ids), call.published_on.is_not(None), call.closes_on.is_not(None),
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


@dataclass(frozen=True)
class SiteGate:
    """A site as its stage machine sees it, read in one SELECT (``read_gate``): the row's
    stage, its optimistic-locking version, its definition and machine, and its gate."""

    site_id: int
    version: int
    stage: str
    stage_entered_on: date
    digest: str
    workflow: Workflow
    machine: StageMachine
    inputs: GateInputs

    @property
    def gate(self) -> GateStatus:
        return self.machine.gate(self.stage, self.inputs)


_SITES, _SNAPSHOTS = Site.__table__, WorkflowSnapshot.__table__
#: the definitions the statement of every stage covers (digest -> definition and machine),
#: the most recently needed last; a site on another definition adds it (and drops the oldest)
_COVERS = 8


def _condition_value(workflow, requirement):
    """The SQL value a gate condition is judged on, correlated on the site, and its judge."""
    site_id = _SITES.c.id
    if requirement.kind == "decision":
        return select(_DECISION.value).where(
            _DECISION.site_id == site_id, _DECISION.key == requirement.key,
            _DECISION.superseded_by_id.is_(None)).order_by(_DECISION.id.desc()).limit(1).scalar_subquery(), None
    if requirement.evidence is None:
        return exists().where(_TASK.site_id == site_id, _TASK.task_key == requirement.key, _TASK.is_done), _ticked
    name, argument = evidence.split(requirement.evidence)
    proof = evidence.proofs()[name]
    return proof.read(workflow, argument, site_id), partial(_proven, proof.judge, workflow, argument)


class _GateStatement:
    """One SELECT of a site's row with its gate inputs and evidence, for the sites on the
    given (definition digest, stage) pairs: one column per condition of the stage's gate.
    For one pair the columns are the conditions themselves; for several, each is computed
    only when the site is on that pair (a CASE: the database skips the subqueries of every
    other branch). A site found on another pair is read again with its own statement."""

    def __init__(self, covered: dict, pairs: list[tuple[str, str]]):
        self.covered = covered
        columns, self.plan = [], {}
        for digest, stage_id in pairs:
            workflow, machine = covered[digest]
            here = and_(_SNAPSHOTS.c.digest == digest, _SITES.c.stage == stage_id)
            plan = []
            for requirement in machine.gates[stage_id]:
                value, judge = _condition_value(workflow, requirement)
                plan.append((requirement, len(columns), judge))
                column = value if len(pairs) == 1 else case((here, value))
                columns.append(column.label(f"g{len(columns)}"))
            self.plan[digest, stage_id] = plan
        self.statement = _fixed_lists(
            select(_SITES.c.id, _SITES.c.version_id, _SITES.c.stage, _SITES.c.stage_entered_on,
                   _SITES.c.snapshot_id, _SNAPSHOTS.c.digest, *columns)
            .select_from(_SITES.join(_SNAPSHOTS, _SNAPSHOTS.c.id == _SITES.c.snapshot_id))
            .where(_SITES.c.id == bindparam("site_id")))
        #: run without SQLAlchemy's per-execution set-up (``setupflow.prepared``): a step of a
        #: persisted advance reads it once
        self.prepared = Prepared(self.statement)


def _fixed_lists(statement):
    """``statement`` with each IN list of values it was built with (a definition's source keys,
    checklist items, categories) as that many plain parameters. A list left "expanding" is
    written into the SQL again at every execution (SQLAlchemy's post-compile step, ~15 % of
    the CPU of running the gate's SELECT); these lists never change for a statement built
    once, so its SQL can be compiled once too. An empty list is left as SQLAlchemy writes it."""
    def fixed(element):
        if isinstance(element, BindParameter) and element.expanding and element.callable is None and element.value:
            return Grouping(ClauseList(*(bindparam(None, value, type_=element.type) for value in element.value)))
        return None

    return visitors.replacement_traverse(statement, {}, fixed)


def _ticked(value) -> bool:
    return bool(value)


def _proven(judge, workflow, argument, value) -> bool:
    return bool(judge(value, workflow, argument))


#: (digest, stage) -> the statement of the sites on that stage of that definition; None ->
#: the statement of every stage of every definition covered (a site whose stage is unknown)
_statements: dict = {None: _GateStatement({}, [])}
_gate_lock = Lock()


def _cover(snapshot: WorkflowSnapshot) -> None:
    """Cover ``snapshot``'s definition: its statements, and the one of every stage."""
    with _gate_lock:
        every = _statements[None]
        if snapshot.digest in every.covered:
            return
        covered = dict(every.covered)
        covered[snapshot.digest] = (workflow_of_snapshot(snapshot), machine_of_snapshot(snapshot))
        while len(covered) > _COVERS:
            covered.pop(next(iter(covered)))
        for key in [k for k in _statements if k is not None and k[0] not in covered]:
            del _statements[key]
        _statements[None] = _GateStatement(covered, [(d, s) for d, (_w, m) in covered.items() for s in m.gates])


def _statement(pair) -> _GateStatement:
    found = _statements.get(pair)
    if found is None:
        with _gate_lock:
            covered = _statements[None].covered
            if pair is not None and pair[0] not in covered:
                return _statements[None]
            found = _statements[pair] = _GateStatement(covered, [pair])
    return found


def read_gate(session: Session, site_id: int, site: Site | None = None) -> SiteGate:
    """A site's row, its gate inputs and its evidence, in one SELECT. The statement is the
    one of the site's stage when it is known (``site`` given, or the stage this process
    last saw the site in, ``runtime.stage_seen``), else the one of every stage; a site
    found elsewhere (it moved meanwhile, or is on a definition this process has not seen)
    costs a second SELECT. What the session holds unflushed is flushed first, so that the
    gate sees it."""
    session.flush()
    if site is not None:
        if site.snapshot.digest not in _statements[None].covered:
            _cover(site.snapshot)
        pair = (site.snapshot.digest, site.stage)
    else:
        pair = stage_seen(site_id)
    statement = _statement(pair)
    # on the session's connection: flushed above, nothing for the ORM to add to a Core SELECT
    connection = session.connection()
    row = statement.prepared.first(connection, {"site_id": site_id})
    if row is None:
        raise NotFound(code="site.not_found", field="site", site=site_id)
    found, version, stage, entered_on, snapshot_id, digest = row[:6]
    if (digest, stage) not in statement.plan:
        if digest not in _statements[None].covered:
            _cover(session.get(WorkflowSnapshot, snapshot_id))
        statement = _statement((digest, stage))
        row = statement.prepared.first(connection, {"site_id": site_id})
        found, version, stage, entered_on, snapshot_id, digest = row[:6]
    workflow, machine = statement.covered[digest]
    met, decisions = set(), {}
    for requirement, index, judge in statement.plan[digest, stage]:
        value = row[6 + index]
        if requirement.kind == "decision":
            if value is not None:
                decisions[requirement.key] = value
        elif judge(value):
            met.add(requirement.key)
    see_stage(site_id, digest, stage)
    return SiteGate(found, version, stage, entered_on, digest, workflow, machine, GateInputs(frozenset(met), decisions))


def gate_of(session: Session, site: Site) -> GateStatus:
    """The gate of the site's current stage, read with the site in one SELECT (only that
    gate's evidence is examined)."""
    return read_gate(session, site.id, site).gate
