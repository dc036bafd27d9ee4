"""State changes of a site. Each mutates, records history and flushes; the caller commits.

Every function takes ``now`` (an aware datetime) so that every rule can be tested at
any instant, and an ``Actor`` saying who acts. Recording a change and loading a site are
in ``records``, reading a gate in ``gates``; both are part of this module's interface.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import evidence, inputs
from ..clock import local_date
from ..definitions.catalog import Catalog
from ..definitions.loader import LoadedWorkflow
from ..decision_rules import check_decision
from ..engine import decision_value_error, final_state_day
from ..errors import InputError, NotAllowed, NotFound
from ..planning import DEADLINE_FIXED, Plan, Progress, backward, forecast
from ..db import StaleRow, row_id, transaction
from .gates import (CALL_CLOSES, current_decisions, current_values, done_tasks, gate_inputs, gate_of,  # noqa: F401
                    met_tasks, read_gate)
from .models import Decision, HistoryEntry, Site, SiteTask, WorkflowSnapshot
from .records import Actor, get_site, record, write_change  # noqa: F401  (ops.get_site, ops.record for every caller)
from .runtime import machine_of, see_stage, workflow_of


def _canonical(document) -> str:
    import json

    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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
    elif existing.digest != loaded.digest or _canonical(existing.document) != _canonical(loaded.document):
        # shared only when the stored document is byte-identical to the valid one loaded here
        # (a snapshot stored by an older, trusting import may carry the right digest and a
        # broken document)
        raise InputError(code="workflow.version_unchanged", field="version", source=str(loaded.source), workflow=wf.id,
                         version=wf.version)
    return existing


def _value_words(kind, value: str) -> str:
    """A decision value in the words of the default decision text (French): a date in full."""
    if kind.kind == "date":
        from babel.dates import format_date

        return format_date(date.fromisoformat(value), "long", locale="fr")
    return value


def earliest_opening(workflow, start: date) -> date:
    """The earliest opening the method allows from ``start`` (every stage at its minimum)."""
    from ..planning import forward

    return forward(workflow, start).opening.earliest


def create_site(session: Session, catalog: Catalog, *, name: str, workflow_id: str, start_on, opening_on,
                actor: Actor, now: datetime, establishment: str | None = None, region: str | None = None,
                disp: str | None = None, department: str | None = None, confirmed: bool = True) -> Site:
    """Create a site in its first stage. A target opening before the earliest the method
    allows is not refused (durations are guidance) but asked about: with ``confirmed``
    False it raises ``site.target_before_earliest`` saying by how much, so that a face can
    ask and call again; the history then records the shortfall."""
    name = inputs.text(name, "name", name=True)
    if not name:
        raise InputError(code="site.name_required", field="name")
    if len(name) > 200:
        raise InputError(code="text.too_long", field="name", length=len(name), limit=200)
    establishment, region, disp, department = (inputs.text(v, f, name=True) or None if v is not None else None
                                               for v, f in ((establishment, "establishment"), (region, "region"),
                                                            (disp, "disp"), (department, "department")))
    start = inputs.day(start_on, "start")
    opening = inputs.day(opening_on, "opening")
    if opening <= start:
        raise InputError(code="site.opening_before_start", field="opening", opening=opening, start=start)
    try:
        loaded = catalog.get(workflow_id)
    except LookupError:
        raise InputError(code="workflow.unknown", field="workflow", workflow=workflow_id,
                         known=sorted(catalog.loaded)) from None
    earliest = earliest_opening(loaded.workflow, start)
    short = (earliest - opening).days if opening < earliest else 0
    if short and not confirmed:
        raise InputError(code="site.target_before_earliest", field="opening", value=opening, earliest=earliest,
                         days=short)
    snapshot = snapshot_for(session, loaded, now)
    site = Site(name=name, snapshot=snapshot, stage=loaded.workflow.stages[0].id, stage_entered_on=start,
                start_on=start, target_opening_on=opening, establishment=establishment, region=region,
                disp=disp, department=department, created_dt=now)
    session.add(site)
    session.flush()
    extra = {"target_before_earliest": {"earliest": earliest.isoformat(), "days": short}} if short else {}
    record(session, site, actor, now, "created", workflow=loaded.workflow.id, version=loaded.workflow.version,
           **extra)
    session.flush()
    return site


def early_by(site: Site, now: datetime) -> tuple[date, int] | None:
    """(the day the stage reaches its minimum duration, days left) when leaving it now would
    be early, else None."""
    return _early(workflow_of(site), site.stage, site.stage_entered_on, now)


def _early(workflow, stage: str, entered_on: date, now: datetime) -> tuple[date, int] | None:
    if stage == workflow.final.id:
        return None
    from ..planning import add_months

    due = add_months(entered_on, workflow.stage(stage).duration.min)
    today = local_date(now)
    return (due, (due - today).days) if today < due else None


def advance(session: Session, site: Site | int, actor: Actor, now: datetime, confirmed: bool = True) -> str:
    """Move the site (a ``Site``, or its id) to the next stage, or raise ``GateNotMet`` having
    written nothing. The final state is reached on its date (``final.on_date``) or later,
    never before. Leaving a stage before its minimum duration is not refused (durations are
    guidance): the history records that it was early; with ``confirmed`` False (the faces,
    until the person confirms) it raises ``stage.confirm_early`` saying by how much instead.

    Three statements: the site, its gate inputs and its evidence in one SELECT
    (``gates.read_gate``), the versioned UPDATE of the site and the history INSERT. The
    version checked is the one of the ``Site`` given (what the person saw), else the one read."""
    if isinstance(site, Site):
        read = read_gate(session, site.id, site)
        version = site.version_id
        if read.version != version:  # changed since the person read it: nothing to judge the gate on
            raise StaleRow("sites", site.id, version)
    else:
        key = row_id(site)
        if key is None:
            raise NotFound(code="site.not_found", field="site", site=site)
        read = read_gate(session, key)
        version = read.version
    workflow = read.workflow
    target = read.machine.advance(read.stage, read.inputs, site=read.site_id)
    if target == workflow.final.id:
        day = final_state_day(workflow, read.inputs.decisions)
        if day is not None and local_date(now) < day:
            raise InputError(code="stage.final_before_date", field="stage", state=workflow.final.label, day=day)
    early = _early(workflow, read.stage, read.stage_entered_on, now)
    if early is not None and not confirmed:
        raise InputError(code="stage.confirm_early", field="confirm", stage=workflow.stage(read.stage).label,
                         day=early[0], days=early[1])
    extra = {"early": {"min_due": early[0].isoformat(), "days": early[1]}} if early else {}
    write_change(session, read.site_id, version, read.stage, actor, now, "advanced", None,
                 changes={"stage": target, "stage_entered_on": local_date(now)},
                 held=site if isinstance(site, Site) else None, source=read.stage, target=target, **extra)
    see_stage(read.site_id, read.digest, target)
    return target


def advance_alone(factory, site_id, actor: Actor, now: datetime, confirmed: bool = True) -> str:
    """``advance`` as a unit of work of its own, committed when it returns (the CLI's
    ``site advance``). Nothing else can be written with it: the session is its own.

    On PostgreSQL the step's write is one statement (``records.write_change``: the
    versioned UPDATE and the history INSERT in one data-modifying CTE), atomic by itself,
    and its version check refuses it if the site changed after the read. So the read and
    the write each run as their own transaction (autocommit): the server is asked twice
    instead of four times (no BEGIN, no COMMIT), and the write's own commit waits for the
    disk as a COMMIT would. What is written, and when a step is refused, are the same as
    in one transaction: under READ COMMITTED the read and the write saw different
    snapshots there too, and the version check is what made the step safe. SQLite's step
    is two writes and keeps its transaction (a BEGIN there costs no round trip)."""
    with transaction(factory) as session:
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return advance(session, site_id, actor, now, confirmed)


#: who moves a site to its final state on its date
SYSTEM = Actor("setupflow")


def reach_final_state_when_due(session: Session, site: Site, now: datetime) -> bool:
    """The worker's part: a site in its last stage whose gate is met and whose final-state
    date has come moves to the final state, recorded as done by setupflow. False (and
    nothing written) otherwise."""
    workflow = workflow_of(site)
    if workflow.final.on_date is None or site.stage != workflow.stages[-1].id:
        return False
    read = read_gate(session, site.id, site)
    day = final_state_day(workflow, read.inputs.decisions)
    if not read.gate.met or day is None or local_date(now) < day:
        return False
    advance(session, site, SYSTEM, now)
    return True


def reopen(session: Session, site: Site, stage_id: str, actor: Actor, reason: str, now: datetime) -> str:
    """Take a site back to an earlier stage: managers only, always with a reason."""
    if not actor.is_manager:
        raise NotAllowed(code="site.reopen_managers_only", field="stage")
    reason = (reason or "").strip()
    if not reason:
        raise InputError(code="site.reopen_reason_required", field="reason")
    target = machine_of(site).reopen(site.stage, stage_id)
    record(session, site, actor, now, "reopened", reason=reason,
           changes={"stage": target, "stage_entered_on": local_date(now)}, source=site.stage, target=target)
    return target


def set_task(session: Session, site: Site, key: str, done: bool, actor: Actor, now: datetime) -> SiteTask:
    workflow = workflow_of(site)
    try:
        stage, task = workflow.task(key)
    except KeyError:
        raise InputError(code="task.unknown", field="task", task=key, workflow=workflow.id,
                         known=[t.id for s in workflow.stages for t in s.tasks]) from None
    if task.evidence is not None:
        raise InputError(code="task.met_by_work", field="task", task=key, evidence=evidence.describe(task.evidence))
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


def meeting_of(session: Session, site: Site, meeting):
    """The site's meeting named by ``meeting`` (an id or a Meeting), or None for none."""
    if meeting is None or meeting == "":
        return None
    from ..committees.operations import get_meeting

    if hasattr(meeting, "committee_id"):
        if meeting.site_id != site.id:
            raise NotFound(code="meeting.not_found", field="meeting", meeting=meeting.id)
        return meeting
    return get_meeting(session, meeting, site)


def record_decision(session: Session, site: Site, *, key: str | None, value: str | None, text: str | None,
                    actor: Actor, now: datetime, decided_on: date | None = None,
                    supersede_reason: str | None = None, through: str | None = None, meeting=None,
                    **columns) -> Decision:
    """Record a decision. For a gate key it must be a valid value and follow its kind's
    rules (``decision_rules.check_decision``: the work that settles it, ``through``; the
    stages it is taken in; the held ``meeting`` of its committee); an existing current
    decision on the same key is superseded, which needs a reason."""
    workflow = workflow_of(site)
    value = inputs.text(value, "value", one_line=True) if isinstance(value, str) else value
    text = inputs.text(text, "text") if isinstance(text, str) else text
    decided_on = inputs.optional_day(decided_on, "decided_on")
    meeting = meeting_of(session, site, meeting)
    if meeting is not None:
        columns["meeting_id"] = meeting.id
        decided_on = decided_on or local_date(meeting.starts_dt)
    if key is not None:
        try:
            kind = workflow.decision(key)
        except KeyError:
            raise InputError(code="decision.unknown", field="decision", decision=key, workflow=workflow.id,
                             known=[d.id for d in workflow.decisions]) from None
        if kind.kind == "date" and value:
            value = inputs.day(value, "value").isoformat()
        if kind.kind == "choice":  # a choice typed in any case: "ea" is EA
            value = next((c.id for c in kind.choices if c.id.casefold() == (value or "").casefold()), value)
        problem = decision_value_error(kind, value or "")
        if problem:
            raise problem
        check_decision(workflow, kind, stage=site.stage, through=through, meeting=meeting)
        text = (text or "").strip() or f"{kind.label.fr} : {_value_words(kind, value)}"
    elif not (text or "").strip():
        raise InputError(code="decision.text_required", field="text")
    previous = current_decisions(session, site).get(key) if key else None
    if previous is not None and not (supersede_reason or "").strip():
        raise InputError(code="decision.already_taken", field="supersede_reason", decision=key, value=previous.value,
                         previous=previous.id)
    decision = Decision(site_id=site.id, key=key, value=value, text=text.strip(), decided_on=decided_on or local_date(now),
                        recorded_by=actor.name, recorded_dt=now, **columns)
    session.add(decision)
    session.flush()
    if previous is not None:
        _supersede(session, site, previous, decision, supersede_reason, actor, now)
    extra = {k: v for k, v in (("through", through), ("meeting_id", columns.get("meeting_id"))) if v is not None}
    record(session, site, actor, now, "decision", decision_id=decision.id, key=key, value=value, **extra)
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
        raise NotFound(code="decision.not_found", field="decision", decision=decision.id, site=site.id)
    if not decision.is_current:
        raise InputError(code="decision.superseded", field="decision", decision=decision.id)
    if not (reason or "").strip():
        raise InputError(code="decision.withdraw_reason_required", field="reason")
    _supersede(session, site, decision, None, reason, actor, now)
    session.flush()


def dated_decisions(session: Session, site: Site) -> dict[str, date]:
    return dated_values(site, current_values(session, [site.id]).get(site.id, {}))


def dated_values(site: Site, values: dict[str, str]) -> dict[str, date]:
    """The dates deadlines are anchored on: the site's own start and target opening, and
    the current decisions of kind date (from their values by key), and the deadlines a
    piece of work has fixed (a published call's closing date, ``deadline:<id>``).

    A site's deadlines follow its target opening (the date everyone works towards), not
    the forecast window, so "DUI signature 1-2 months before opening" stays a
    one-month window even while the forecast is wide. Once the opening is confirmed (the
    decision the definition's final state waits for, ``final.on_date``), every deadline
    computed from the opening follows the confirmed date instead.
    """
    workflow = workflow_of(site)
    out = {"start": site.start_on, "opening": site.target_opening_on}
    for key, value in values.items():
        try:
            if workflow.decision(key).kind == "date":
                # through the edge: a value stored before its bounds (year 9999) plans nothing
                out[key] = inputs.day(value, key)
        except (KeyError, ValueError, TypeError, InputError):
            continue
    confirmed = out.get(workflow.final.on_date) if workflow.final.on_date else None
    if confirmed is not None:
        out["opening"] = confirmed
    for key, value in values.items():  # a published call's closing date is its answers deadline
        if not key.startswith(CALL_CLOSES):
            continue
        try:
            spec = workflow.work.call(key[len(CALL_CLOSES):])
            if spec.answers_deadline:
                out[DEADLINE_FIXED + spec.answers_deadline] = date.fromisoformat(value)
        except (KeyError, ValueError, TypeError):
            continue
    return out


def opening_day(session: Session, site: Site) -> date:
    """The opening the site works towards: the confirmed date once there is one, else the target."""
    return dated_decisions(session, site)["opening"]


def deadline_window(session: Session, site: Site, deadline_id: str):
    """The planned window of one of the site's deadlines (from the real dates), or None."""
    plan = planned(site, dated_decisions(session, site))
    found = next((d for d in plan.deadlines if d.deadline.id == deadline_id), None)
    return found.window if found is not None else None


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


def progress(session: Session, site: Site, today: date, dated: dict[str, date] | None = None) -> Progress:
    """The site's forecast on ``today``; ``dated``: its ``dated_decisions`` when the caller has them."""
    return forecast(workflow_of(site), site.stage, site.stage_entered_on, today, stage_history(session, site),
                    dated if dated is not None else dated_decisions(session, site))


def opening_shortfall(session: Session, site: Site, opening: date, today: date) -> tuple[date, int] | None:
    """(the earliest possible opening, days short) when ``opening`` comes before the earliest
    opening the method allows from where the site stands today (its stage, entered when it
    was, and every stage left at its minimum), else None; None too for a site already open.
    The same question as at creation (``earliest_opening``), asked of a site in progress."""
    workflow = workflow_of(site)
    if site.stage == workflow.final.id:
        return None
    earliest = progress(session, site, today).plan.opening.earliest
    return (earliest, (earliest - opening).days) if opening < earliest else None


def upgrade_definition(session: Session, site: Site, catalog: Catalog, actor: Actor, now: datetime) -> int:
    """Move a site onto the current version of its definition, on purpose and recorded.

    Refused when the site's stage, or a done task, no longer exists in the new version,
    so that nothing recorded loses its meaning.
    """
    if not actor.is_manager:
        raise NotAllowed(code="site.upgrade_managers_only", field="workflow")
    try:
        loaded = catalog.get(site.workflow_id)
    except LookupError:
        raise InputError(code="workflow.unknown", field="workflow", workflow=site.workflow_id,
                         known=sorted(catalog.loaded)) from None
    old = workflow_of(site)
    new = loaded.workflow
    if new.version == old.version:
        raise InputError(code="upgrade.same_version", field="workflow", site=site.id, workflow=new.id, version=new.version)
    if new.version < old.version:
        raise InputError(code="upgrade.older_version", field="workflow", site=site.id, version=old.version,
                         source=str(loaded.source), older=new.version)
    if site.stage not in new.state_ids:
        raise InputError(code="upgrade.stage_missing", field="workflow", workflow=new.id, version=new.version,
                         stage=site.stage)
    known_tasks = {t.id for s in new.stages for t in s.tasks}
    lost = sorted(done_tasks(session, site) - known_tasks)
    if lost:
        raise InputError(code="upgrade.drops_done_tasks", field="workflow", workflow=new.id, version=new.version, tasks=lost)
    site.snapshot = snapshot_for(session, loaded, now)
    record(session, site, actor, now, "upgraded", source_version=old.version, target_version=new.version)
    session.flush()
    # what the site already holds and the new rules would refuse stays, flagged as recorded before the rule
    from .decisions import record_problems

    for problem in record_problems(session, site):
        if problem["flagged"]:
            continue
        if problem["decision"] is not None:
            record(session, site, actor, now, "recorded_before_rule", decision_id=problem["decision"],
                   key=problem["key"], rule=problem["rule"], version=new.version, problem=problem["detail"])
        elif problem["rule"] == "gate":
            # a stage left on tasks ticked by hand that the new version meets by the work only
            record(session, site, actor, now, "recorded_before_rule", rule="gate", stage=problem["key"],
                   version=new.version, problem=problem["detail"])
    session.flush()
    return new.version


def upgrade_sites(session: Session, catalog: Catalog, actor: Actor, now: datetime, sites_query=None) -> list[dict]:
    """Move every site (of ``sites_query``, a ``select(Site)``; all by default) that runs an
    older version of its definition onto the current one, each as ``upgrade_definition``
    does: what the new rules would refuse stays, flagged in the history as recorded before
    the rule. A site that cannot move (its stage or a done task is gone) is left as it was
    and reported with the refusal's code; the others still move.

    Returns one row per site looked at: ``{"site", "from", "to", "flagged"}`` for a site
    moved, ``{"site", "from", "refused": code, "message"}`` for one left as it was."""
    if not actor.is_manager:
        raise NotAllowed(code="site.upgrade_managers_only", field="workflow")
    query = sites_query if sites_query is not None else select(Site)
    rows = []
    for site in list(session.scalars(query.order_by(None).order_by(Site.id))):
        try:
            current = catalog.get(site.workflow_id).workflow.version
        except LookupError:
            continue
        version = workflow_of(site).version
        if current <= version:
            continue
        before = _flag_count(session, site)
        try:
            with session.begin_nested():
                upgrade_definition(session, site, catalog, actor, now)
        except InputError as exc:
            rows.append({"site": site.id, "from": version, "refused": exc.code, "message": str(exc)})
            continue
        rows.append({"site": site.id, "from": version, "to": current, "flagged": _flag_count(session, site) - before})
    return rows


def _flag_count(session: Session, site: Site) -> int:
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(HistoryEntry).where(
        HistoryEntry.site_id == site.id, HistoryEntry.action == "recorded_before_rule"))
