"""Applications to a call, the committee's scores and the selection."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..clock import local_date
from ..db import row_id
from ..errors import InputError, NotFound
from ..sites.models import Site
from .. import inputs
from ..sites.operations import Actor, record, record_decision
from .models import Application, Call, Score
from ..lifecycles import CALLS
from .operations import spec_of


def get_application(session: Session, call: Call, application_id) -> Application:
    number = row_id(application_id)
    row = session.get(Application, number) if number else None
    if row is None or row.call_id != call.id:
        raise NotFound(code="application.not_found", field="application", application=application_id, call=call.id)
    return row


def add_application(session: Session, site: Site, call: Call, *, organisation: str, legal_status: str,
                    activity: str, actor: Actor, now: datetime, structure_type: str | None = None,
                    received_on=None) -> Application:
    CALLS.fire(call, "receive", now=now)
    values = {"organisation": organisation, "legal_status": legal_status, "activity": activity}
    for name, value in values.items():
        if not (value or "").strip():
            raise InputError(code="required", field=name, label=name)
    received = inputs.day(received_on, "received_on") if received_on else local_date(now)
    if received < call.published_on:
        raise InputError(code="application.before_publication", field="received_on", value=received,
                         published_on=call.published_on)
    if call.closes_on is not None and received > call.closes_on:
        raise InputError(code="application.after_close", field="received_on", value=received, closes_on=call.closes_on)
    if any(a.organisation.casefold() == organisation.strip().casefold() for a in call.applications):
        raise InputError(code="application.duplicate", field="organisation", organisation=organisation.strip(),
                         call=call.id)
    row = Application(call_id=call.id, organisation=organisation.strip(), legal_status=legal_status.strip(),
                      structure_type=(structure_type or "").strip() or None, activity=activity.strip(),
                      received_on=received, recorded_dt=now, recorded_by=actor.name)
    call.applications.append(row)
    session.flush()
    record(session, site, actor, now, "call_application", call_id=call.id, application_id=row.id)
    session.flush()
    return row


def score(session: Session, site: Site, call: Call, application: Application, *, member: str,
          scores: dict[str, int], actor: Actor, now: datetime) -> list[Score]:
    """Record one member's scores (0..max) for some criteria of one application."""
    spec = spec_of(site, call.call_key)
    member = (member or "").strip()
    if not member:
        raise InputError(code="score.member_required", field="member")
    from ..reviews.conflicts import refuse_conflicted

    refuse_conflicted(session, member, application=application)
    criteria = {c["id"] for c in call.criteria}
    parsed = {}
    for criterion, value in scores.items():
        if criterion not in criteria:
            raise InputError(code="choice.invalid", field="criterion", value=criterion, allowed=sorted(criteria))
        n = inputs.whole(value, f"score '{criterion}'")
        if not 0 <= n <= spec.max_score:
            raise InputError(code="score.out_of_range", field="score", criterion=criterion, value=n,
                             high=spec.max_score)
        parsed[criterion] = n
    if not parsed:
        raise InputError(code="score.none", field="scores")
    existing = {(s.member, s.criterion): s for s in application.scores}
    rows = []
    for criterion, n in parsed.items():
        row = existing.get((member, criterion))
        if row is None:
            row = Score(application_id=application.id, member=member, criterion=criterion, score=n, scored_dt=now)
            session.add(row)
            application.scores.append(row)
        else:
            row.score, row.scored_dt = n, now
        rows.append(row)
    record(session, site, actor, now, "call_score", application_id=application.id, member=member)
    session.flush()
    return rows


def select_applications(session: Session, site: Site, call: Call, application_ids, *, actor: Actor,
                        now: datetime, text: str | None = None, supersede_reason: str | None = None,
                        meeting=None, **columns):
    """The committee's selection, recorded as the call's selection decision (``sponsor``,
    ``cohort``...) whose value is the selected organisations' names, taken in ``meeting``
    (an id or a Meeting) when the definition says which committee selects."""
    spec = spec_of(site, call.call_key)
    CALLS.check(call, "select", now=now)
    chosen = [get_application(session, call, i) for i in dict.fromkeys(application_ids)]
    if not chosen:
        raise InputError(code="selection.none", field="applications")
    if spec.max_selected is not None and len(chosen) > spec.max_selected:
        raise InputError(code="selection.too_many", field="applications", limit=spec.max_selected)
    value = "; ".join(a.organisation for a in chosen)
    decision = record_decision(session, site, key=spec.selection_decision, value=value,
                               text=(text or "").strip() or None, actor=actor, now=now,
                               supersede_reason=supersede_reason, through="call_selection", meeting=meeting,
                               **columns)
    for a in call.applications:
        a.is_selected = a in chosen
    CALLS.fire(call, "select", now=now)
    record(session, site, actor, now, "call_selection", call_id=call.id, applications=[a.id for a in chosen])
    session.flush()
    return decision
