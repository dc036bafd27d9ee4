"""State changes of a site. Each mutates, records history and flushes; the caller commits.

Every function takes ``now`` (an aware datetime) so that every rule can be tested at
any instant, and an ``Actor`` saying who acts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, insert, literal, null, select, union_all, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from .. import evidence
from ..clock import local_date
from ..db import row_id
from ..definitions.catalog import Catalog
from ..definitions.loader import LoadedWorkflow
from ..engine import GateStatus, decision_value_error, evaluate_gate
from ..errors import GateNotMet, InputError, NotAllowed, NotFound
from ..planning import Plan, Progress, backward, forecast
from .models import Decision, HistoryEntry, Site, SiteTask, WorkflowSnapshot
from .runtime import machine_of, workflow_of


@dataclass(frozen=True)
class Actor:
    """Who acts: a display name for the history, and whether they may manage sites."""

    name: str
    is_manager: bool = False


#: built once: constructing a statement costs several times more than running it (a step of
#: a persisted advance went from ~1.9 to ~0.6 ms of CPU with these and the gate's below)
_SITES = Site.__table__
#: every recorded change: the site's optimistic-locking counter moves on, with the columns it changes;
#: the SET columns are the keys given at execution
_BUMP = update(_SITES).where(_SITES.c.id == bindparam("b_id"), _SITES.c.version_id == bindparam("b_version"))
_APPEND = insert(HistoryEntry.__table__)
_HISTORY_COLUMNS = ("site_id", "at_dt", "actor", "action", "stage", "detail", "reason")


def record(session: Session, site: Site, actor: Actor, now: datetime, action: str,
           reason: str | None = None, *, changes: dict | None = None, **detail) -> int:
    """Record a change of ``site`` in its history, and apply ``changes`` (column -> value) to its row.

    Every recorded change bumps the site's optimistic-locking counter in one versioned
    UPDATE, so two changes made from the same stale read of a site cannot both be saved:
    the second raises ``StaleDataError`` (``StaleEdit`` at the transaction's boundary) and
    writes nothing. What the caller changed through the ORM is flushed first, under its
    own version check. The entry is appended with one INSERT (history is append-only);
    its id is returned.
    """
    session.flush()
    connection = session.connection()
    version = site.version_id
    values = {**(changes or {}), "version_id": version + 1}
    if connection.execute(_BUMP, {"b_id": site.id, "b_version": version, **values}).rowcount != 1:
        raise StaleDataError(f"UPDATE statement on table 'sites' expected to update 1 row(s); 0 were matched "
                             f"(site {site.id} at version {version})")
    for key, value in values.items():
        set_committed_value(site, key, value)
    return connection.execute(_APPEND, dict(zip(_HISTORY_COLUMNS, (
        site.id, now, actor.name, action, site.stage, detail, reason)))).inserted_primary_key[0]


def snapshot_for(session: Session, loaded: LoadedWorkflow, now: datetime) -> WorkflowSnapshot:
    """The stored snapshot of a definition version, created on first use.

    A file whose content changed while keeping a version already used is refused:
    running sites must never change silently.
    """
    wf = loaded.workflow
    existing = session.scalar(select(WorkflowSnapshot).where(
        WorkflowSnapshot.workflow_id == wf.id, WorkflowSnapshot.version == wf.version))
    if existing is None:
        existing = WorkflowSnapshot(workflow_id=wf.id, version=wf.version, digest=loaded.digest,
                                    document=loaded.document, created_dt=now)
        session.add(existing)
        session.flush()
    elif existing.digest != loaded.digest:
        raise InputError(f"{loaded.source}: version: the content of '{wf.id}' changed but its version is still "
                         f"{wf.version}, which sites already use; give it a new version number")
    return existing


def _parse_day(value, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{what}: '{value}' is not a date (YYYY-MM-DD)") from None


def create_site(session: Session, catalog: Catalog, *, name: str, workflow_id: str, start_on, opening_on,
                actor: Actor, now: datetime, establishment: str | None = None, region: str | None = None,
                disp: str | None = None, department: str | None = None) -> Site:
    name = (name or "").strip()
    if not name:
        raise InputError("name: a site needs a name")
    if len(name) > 200:
        raise InputError("name: at most 200 characters")
    start = _parse_day(start_on, "start")
    opening = _parse_day(opening_on, "opening")
    if opening <= start:
        raise InputError(f"opening: {opening} must come after the start ({start})")
    try:
        loaded = catalog.get(workflow_id)
    except LookupError as exc:
        raise InputError(f"workflow: {exc}") from None
    snapshot = snapshot_for(session, loaded, now)
    site = Site(name=name, snapshot=snapshot, stage=loaded.workflow.stages[0].id, stage_entered_on=start,
                start_on=start, target_opening_on=opening, establishment=establishment, region=region,
                disp=disp, department=department, created_dt=now)
    session.add(site)
    session.flush()
    record(session, site, actor, now, "created", workflow=loaded.workflow.id, version=loaded.workflow.version)
    session.flush()
    return site


_SITE_BY_ID = select(Site).where(Site.id == bindparam("site_id"))


def get_site(session: Session, site_id) -> Site:
    key = row_id(site_id)
    if key is None:
        raise NotFound(f"site {site_id}: no such site")
    # what ``session.get`` does, with a statement built once: a site already in the session
    # is returned as it is, otherwise one SELECT (with its definition snapshot's key columns)
    site = session.identity_map.get(identity_key(Site, key)) or \
        session.execute(_SITE_BY_ID, {"site_id": key}).scalar_one_or_none()
    if site is None:
        raise NotFound(f"site {site_id}: no such site")
    return site


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


def current_values(session: Session, site: Site) -> dict[str, str]:
    """The value of each current gate decision, by key (a light query for gates)."""
    rows = session.execute(select(Decision.key, Decision.value).where(
        Decision.site_id == site.id, Decision.key.is_not(None), Decision.superseded_by_id.is_(None))
        .order_by(Decision.id))
    return {key: value for key, value in rows}


_TASK = SiteTask.__table__.c
_DECISION = Decision.__table__.c
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


def advance(session: Session, site: Site, actor: Actor, now: datetime) -> str:
    """Move the site to the next stage, or raise ``GateNotMet`` having written nothing."""
    gate = gate_of(session, site)
    if site.stage == workflow_of(site).final.id:
        raise InputError(f"site {site.id}: already in its final state '{site.stage}'")
    target = machine_of(site).next_after_advance(site.stage, gate)
    if target is None:
        raise GateNotMet(site.stage, gate.unmet)
    record(session, site, actor, now, "advanced", changes={"stage": target, "stage_entered_on": local_date(now)},
           source=site.stage, target=target)
    return target


def reopen(session: Session, site: Site, stage_id: str, actor: Actor, reason: str, now: datetime) -> str:
    """Take a site back to an earlier stage: managers only, always with a reason."""
    if not actor.is_manager:
        raise NotAllowed("reopening a stage is for managers")
    reason = (reason or "").strip()
    if not reason:
        raise InputError("reason: say why the stage is reopened")
    workflow = workflow_of(site)
    if stage_id not in [s.id for s in workflow.stages]:
        raise InputError(f"stage: unknown stage '{stage_id}' (known: {', '.join(s.id for s in workflow.stages)})")
    target = machine_of(site).reopened(site.stage, stage_id, reason)
    if target is None:
        raise InputError(f"stage: '{stage_id}' does not come before the current stage '{site.stage}'")
    record(session, site, actor, now, "reopened", reason=reason,
           changes={"stage": target, "stage_entered_on": local_date(now)}, source=site.stage, target=target)
    return target


def set_task(session: Session, site: Site, key: str, done: bool, actor: Actor, now: datetime) -> SiteTask:
    workflow = workflow_of(site)
    try:
        stage, task = workflow.task(key)
    except KeyError:
        known = ", ".join(t.id for s in workflow.stages for t in s.tasks)
        raise InputError(f"task: unknown task '{key}' in {workflow.id} (known: {known})") from None
    if task.evidence is not None:
        raise InputError(f"task '{key}': met by the work itself, it cannot be ticked by hand "
                         f"(it is met when {evidence.describe(task.evidence)})")
    row = session.scalar(select(SiteTask).where(SiteTask.site_id == site.id, SiteTask.task_key == key))
    if row is None:
        row = SiteTask(site_id=site.id, task_key=key, is_done=False, changed_dt=now, changed_by=actor.name)
        session.add(row)
    if row.is_done != done:
        row.is_done = done
        row.changed_dt = now
        row.changed_by = actor.name
        record(session, site, actor, now, "task", key=key, done=done, task_stage=stage.id)
    session.flush()
    return row


def record_decision(session: Session, site: Site, *, key: str | None, value: str | None, text: str | None,
                    actor: Actor, now: datetime, decided_on: date | None = None,
                    supersede_reason: str | None = None, **columns) -> Decision:
    """Record a decision. For a gate key it must be a valid value; an existing current
    decision on the same key is superseded, which needs a reason."""
    workflow = workflow_of(site)
    value = value.strip() if isinstance(value, str) else value
    if key is not None:
        try:
            kind = workflow.decision(key)
        except KeyError:
            known = ", ".join(d.id for d in workflow.decisions)
            raise InputError(f"decision: unknown decision '{key}' in {workflow.id} (known: {known})") from None
        problem = decision_value_error(kind, value or "")
        if problem:
            raise InputError(problem)
        text = (text or "").strip() or f"{kind.label.fr} : {value}"
    elif not (text or "").strip():
        raise InputError("text: a decision needs a text")
    previous = current_decisions(session, site).get(key) if key else None
    if previous is not None and not (supersede_reason or "").strip():
        raise InputError(f"decision '{key}' is already taken ({previous.value}, decision #{previous.id}): "
                         f"give a reason to supersede it")
    decision = Decision(site_id=site.id, key=key, value=value, text=text.strip(), decided_on=decided_on or local_date(now),
                        recorded_by=actor.name, recorded_dt=now, **columns)
    session.add(decision)
    session.flush()
    if previous is not None:
        _supersede(session, site, previous, decision, supersede_reason, actor, now)
    record(session, site, actor, now, "decision", decision_id=decision.id, key=key, value=value)
    session.flush()
    return decision


def _supersede(session, site, old: Decision, new: Decision | None, reason: str, actor: Actor, now: datetime):
    old.superseded_by_id = new.id if new is not None else old.id
    old.superseded_reason = reason.strip()
    record(session, site, actor, now, "decision_superseded", reason=reason.strip(), decision_id=old.id,
           by=new.id if new is not None else None, key=old.key)


def withdraw_decision(session: Session, site: Site, decision: Decision, reason: str, actor: Actor,
                      now: datetime) -> None:
    """Supersede a decision without a replacement (it points at itself); the gate it met reopens."""
    if decision.site_id != site.id:
        raise NotFound(f"decision {decision.id}: not a decision of site {site.id}")
    if not decision.is_current:
        raise InputError(f"decision {decision.id}: already superseded")
    if not (reason or "").strip():
        raise InputError("reason: say why the decision is withdrawn")
    _supersede(session, site, decision, None, reason, actor, now)
    session.flush()


def dated_decisions(session: Session, site: Site) -> dict[str, date]:
    return dated_values(site, {k: d.value for k, d in current_decisions(session, site).items()})


def dated_values(site: Site, values: dict[str, str]) -> dict[str, date]:
    """The dates deadlines are anchored on: the site's own start and target opening, and
    the current decisions of kind date (from their values by key).

    A site's deadlines follow its target opening (the date everyone works towards), not
    the forecast window, so "DUI signature 1-2 months before opening" stays a
    one-month window even while the forecast is wide.
    """
    workflow = workflow_of(site)
    out = {"start": site.start_on, "opening": site.target_opening_on}
    for key, value in values.items():
        try:
            if workflow.decision(key).kind == "date":
                out[key] = date.fromisoformat(value)
        except (KeyError, ValueError, TypeError):
            continue
    return out


def stage_history(session: Session, site: Site) -> dict[str, tuple[date, date]]:
    """Actual (start, end) of each stage the site has left, from its history."""
    entries = session.scalars(select(HistoryEntry).where(
        HistoryEntry.site_id == site.id, HistoryEntry.action.in_(STAGE_MOVES))
        .order_by(HistoryEntry.id))
    return stage_spans(site, entries)


#: the history actions that move a site between stages (what ``stage_spans`` reads)
STAGE_MOVES = ("created", "advanced", "reopened")


def stage_spans(site: Site, entries) -> dict[str, tuple[date, date]]:
    """``stage_history`` from already loaded entries (in id order), for batch callers."""
    spans: dict[str, tuple[date, date]] = {}
    entered = {}
    for e in entries:
        if e.action not in STAGE_MOVES:
            continue
        if e.action == "created":
            entered[e.stage] = site.start_on
        else:
            day = local_date(e.at_dt)
            source, target = e.detail.get("source"), e.detail.get("target")
            if source in entered:
                spans[source] = (entered[source], day)
            entered[target] = day
            if e.action == "reopened":
                # stages after the reopened one are no longer done
                workflow = workflow_of(site)
                after = workflow.state_ids[workflow.stage_index(target):]
                for sid in after:
                    spans.pop(sid, None)
    return spans


def planned(site: Site, dated: dict[str, date] | None = None) -> Plan:
    """The retro-planning of a site from its target opening date."""
    return backward(workflow_of(site), site.target_opening_on, dated)


def progress(session: Session, site: Site, today: date) -> Progress:
    return forecast(workflow_of(site), site.stage, site.stage_entered_on, today,
                    stage_history(session, site), dated_decisions(session, site))


def upgrade_definition(session: Session, site: Site, catalog: Catalog, actor: Actor, now: datetime) -> int:
    """Move a site onto the current version of its definition, on purpose and recorded.

    Refused when the site's stage, or a done task, no longer exists in the new version,
    so that nothing recorded loses its meaning.
    """
    if not actor.is_manager:
        raise NotAllowed("upgrading a site's workflow version is for managers")
    try:
        loaded = catalog.get(site.workflow_id)
    except LookupError as exc:
        raise InputError(f"workflow: {exc}") from None
    old = workflow_of(site)
    new = loaded.workflow
    if new.version == old.version:
        raise InputError(f"site {site.id} already runs {new.id} version {new.version}")
    if new.version < old.version:
        raise InputError(f"site {site.id} runs version {old.version}; {loaded.source} has the older {new.version}")
    if site.stage not in new.state_ids:
        raise InputError(f"version {new.version} of {new.id} has no stage '{site.stage}'; reopen an existing stage first")
    known_tasks = {t.id for s in new.stages for t in s.tasks}
    lost = sorted(done_tasks(session, site) - known_tasks)
    if lost:
        raise InputError(f"version {new.version} of {new.id} drops done tasks: {', '.join(lost)}")
    site.snapshot = snapshot_for(session, loaded, now)
    record(session, site, actor, now, "upgraded", source_version=old.version, target_version=new.version)
    session.flush()
    return new.version
