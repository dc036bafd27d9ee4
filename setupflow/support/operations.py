"""State changes of the support stage: checklists, immersion, DUI signatures, opening."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import local_date
from ..errors import InputError
from ..lifecycles import DUI
from ..sites.models import Site
from .. import inputs
from ..sites.operations import Actor, deadline_window, opening_day, record, record_decision
from ..sites.runtime import workflow_of
from .models import DuiSignature, Immersion, WorkstreamItem


def spec_of(site: Site):
    spec = workflow_of(site).work.support
    if spec is None:
        raise InputError(code="workflow.no_support", field="support", workflow=site.workflow_id)
    return spec


def _dui_spec(site: Site):
    dui = spec_of(site).dui
    if dui is None:
        raise InputError(code="workflow.no_dui", field="dui", workflow=site.workflow_id)
    return dui


def set_item(session: Session, site: Site, workstream: str, item: str, done: bool, *, actor: Actor,
             now: datetime, done_on=None, note: str | None = None) -> WorkstreamItem:
    spec = spec_of(site)
    stream = next((w for w in spec.workstreams if w.id == workstream), None)
    if stream is None:
        raise InputError(code="choice.invalid", field="workstream", value=workstream,
                         allowed=[w.id for w in spec.workstreams])
    if item not in [i.id for i in stream.checklist]:
        raise InputError(code="choice.invalid", field="item", value=item, allowed=[i.id for i in stream.checklist])
    row = session.scalar(select(WorkstreamItem).where(WorkstreamItem.site_id == site.id,
                                                      WorkstreamItem.workstream == workstream,
                                                      WorkstreamItem.item == item))
    if row is None:
        row = WorkstreamItem(site_id=site.id, workstream=workstream, item=item)
        session.add(row)
    row.is_done = done
    row.done_on = (inputs.day(done_on, "done_on") if done_on else row.done_on or local_date(now)) if done else None
    if note is not None:
        row.note = note.strip() or None
    row.changed_dt, row.changed_by = now, actor.name
    record(session, site, actor, now, "support_item", workstream=workstream, item=item, done=done)
    session.flush()
    return row


def set_immersion(session: Session, site: Site, *, starts_on, ends_on, actor: Actor, now: datetime,
                  note: str | None = None) -> Immersion:
    """The supervisors' immersion, before the opening. A period that ends after the opening
    (the confirmed one, else the target) is kept but flagged in the history and on the page,
    like a DUI signed outside its window: the record says what happened."""
    spec_of(site)
    start, end = inputs.day(starts_on, "starts_on"), inputs.day(ends_on, "ends_on")
    if end < start:
        raise InputError(code="dates.end_before_start", field="ends_on", end=end, start=start)
    opening = opening_day(session, site)
    row = session.scalar(select(Immersion).where(Immersion.site_id == site.id))
    if row is None:
        row = Immersion(site_id=site.id)
        session.add(row)
    row.starts_on, row.ends_on, row.note = start, end, (note or "").strip() or None
    row.changed_dt, row.changed_by = now, actor.name
    flag = {"after_opening": opening.isoformat()} if end > opening else {}
    record(session, site, actor, now, "immersion", starts_on=start.isoformat(), ends_on=end.isoformat(), **flag)
    session.flush()
    return row


def signatures(session: Session, site: Site) -> dict[str, DuiSignature]:
    return {s.signatory: s for s in session.scalars(select(DuiSignature).where(DuiSignature.site_id == site.id))}


def _circuit_state(site: Site, *, session: Session, **_) -> str:
    """The DUI circuit's state, read from its signatures: unsigned, signing or signed."""
    done = signatures(session, site)
    order = [s.id for s in _dui_spec(site).signatories]
    count = sum(1 for s in order if s in done)
    return "unsigned" if not count else "signed" if count == len(order) else "signing"


def _completes(site: Site, *, session: Session, signatory: str, **_) -> bool:
    """The signature of ``signatory`` is the last one the circuit waits for."""
    done = signatures(session, site)
    return not [s.id for s in _dui_spec(site).signatories if s.id not in done and s.id != signatory]


DUI.bind(state_of=_circuit_state, guards={"completes": _completes},
         params=lambda site: {"site": site.id, "field": "signatory"})


def circuit_state(session: Session, site: Site) -> str:
    """unsigned, signing or signed (the ``dui`` lifecycle of setupflow/lifecycles.yaml)."""
    return _circuit_state(site, session=session)


def sign_dui(session: Session, site: Site, signatory: str, *, signed_on, signed_by: str, actor: Actor,
             now: datetime, **columns) -> DuiSignature:
    """Record one signature of the DUI. The definition's order is the usual one, not a rule
    (the guide gives none): a signature out of that order is recorded and said so. A
    signature outside the planned window (computed from the confirmed opening once there is
    one) is accepted and flagged in the history. The signature that completes the circuit
    records the DUI decision (``dui_signed``) with the date of the last signature. Extra
    ``columns`` go to that decision."""
    dui = _dui_spec(site)
    order = [s.id for s in dui.signatories]
    if signatory not in order:
        raise InputError(code="choice.invalid", field="signatory", value=signatory, allowed=list(order))
    done = signatures(session, site)
    DUI.check(site, "sign", session=session, signatory=signatory)
    if signatory in done:
        raise InputError(code="dui.already_signed", field="signatory", signatory=signatory,
                         signed_on=done[signatory].signed_on)
    position = order.index(signatory)
    skipped = [s for s in order[:position] if s not in done]
    day = inputs.day(signed_on, "signed_on")
    if day > local_date(now):
        raise InputError(code="dui.signed_in_future", field="signed_on", value=day)
    if not (signed_by or "").strip():
        raise InputError(code="dui.signed_by_required", field="signed_by")
    circuit = DUI.fire(site, "sign", session=session, signatory=signatory)
    row = DuiSignature(site_id=site.id, signatory=signatory, signed_by=signed_by.strip(), signed_on=day,
                       recorded_dt=now, recorded_by=actor.name)
    session.add(row)
    session.flush()
    flags = {}
    if skipped:
        flags["before"] = skipped  # signed before these, against the usual order
    window = deadline_window(session, site, dui.deadline) if dui.deadline else None
    if window is not None and not window.earliest <= day <= window.latest:
        flags["outside_window"] = {"earliest": window.earliest.isoformat(), "latest": window.latest.isoformat()}
    record(session, site, actor, now, "dui_signature", signatory=signatory, signed_on=day.isoformat(), **flags)
    if circuit == "signed":  # the circuit is complete: the DUI decision, dated by its last signature
        last = max([day] + [s.signed_on for s in done.values()])
        record_decision(session, site, key=dui.signed_decision, value=last.isoformat(), text=None, actor=actor,
                        now=now, decided_on=last, through="dui_circuit", **columns)
    session.flush()
    return row


def confirm_opening(session: Session, site: Site, opening_on, *, actor: Actor, now: datetime,
                    supersede_reason: str | None = None, confirmed: bool = True, **columns):
    """Record the confirmed opening date; with the gate's other conditions met, the site
    can then advance to its final state. A date before the earliest opening the method
    allows from where the site stands is asked about like a re-planning: with ``confirmed``
    False it raises ``site.replan_before_earliest`` saying by how much."""
    from ..clock import local_date
    from ..sites.operations import opening_shortfall

    spec = spec_of(site)
    if spec.opening_decision is None:
        raise InputError(code="workflow.no_opening_decision", field="opening", workflow=site.workflow_id)
    day = inputs.day(opening_on, "opening_on")
    short = opening_shortfall(session, site, day, local_date(now))
    if short and not confirmed:
        raise InputError(code="site.replan_before_earliest", field="opening_on", value=day, earliest=short[0],
                         days=short[1])
    return record_decision(session, site, key=spec.opening_decision, value=day.isoformat(), text=None,
                           actor=actor, now=now, supersede_reason=supersede_reason, through="opening_confirmation",
                           **columns)
