"""Drafting, publishing and spreading a call; visit slots and bilateral meetings; closing a
call that drew no suitable candidate as unsuccessful, so that a new one can be drafted.

Lifecycle: ``call`` in setupflow/lifecycles.yaml (draft -> published -> closed on its
closing day -> selected or unsuccessful), run by ``CALLS`` with the guards, history and
refusal params bound below; ``closed`` is read from the date, never stored."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import department_zone, local_date
from ..errors import Advice, InputError, NotFound, StaleEdit
from ..lifecycles import CALLS
from ..refusals import Term
from ..sites.models import Site
from .. import inputs
from ..sites.operations import Actor, record, record_decision
from ..sites.runtime import workflow_of
from .models import Call, CallSlot

EDITABLE = ("title", "body", "needs", "capacity", "workshop_zone", "surveillance_constraints")
SLOT_KINDS = ("visit", "bilateral")


def spec_of(site: Site, call_key: str):
    calls = workflow_of(site).work.calls
    try:
        return workflow_of(site).work.call(call_key)
    except KeyError:
        raise InputError(code="choice.invalid", field="call", value=call_key, allowed=[c.id for c in calls]) from None


def _state(call: Call, *, now: datetime | None = None, **_) -> str:
    """The call's state: its stored status, a published call being closed from its closing day."""
    if call.status == "published" and call.closes_on is not None:
        if now is None:  # a programming error: without the day, a closed call would read as published
            raise ValueError("a published call's state depends on the day: fire its lifecycle with now=")
        if local_date(now) >= call.closes_on:
            return "closed"
    return call.status


def state_of(call: Call, now: datetime) -> str:
    """draft, published, closed, selected or unsuccessful, on the day of ``now``."""
    return _state(call, now=now)


def _has_reason(call: Call, *, reason: str | None = None, **_) -> bool:
    return bool((reason or "").strip())


def _history(call: Call, action: str, *, session: Session, actor: Actor, now: datetime, reason: str | None = None,
             detail: dict | None = None, **_) -> None:
    """The call's history callback: an entry in its site's history."""
    call.changed_dt, call.changed_by = now, actor.name
    record(session, session.get(Site, call.site_id), actor, now, action, reason=(reason or "").strip() or None,
           call_id=call.id, **(detail or {}))


CALLS.bind(state_of=_state, history=_history,
           guards={"ready": lambda call, **_: not drafting_problems(call), "has_reason": _has_reason},
           params=lambda call: {"call": call.id, "field": "call", "published_on": call.published_on,
                                "closes_on": call.closes_on,
                                "missing": [Term(f"call.missing.{p}") for p in drafting_problems(call)]})


def current_calls(session: Session, site: Site) -> list[Call]:
    """The site's current call of each kind: its latest that is not unsuccessful, by kind in the
    order they were drafted (the unsuccessful ones stay in the record: ``calls_of``)."""
    rows = session.scalars(select(Call).where(Call.site_id == site.id, Call.status != "unsuccessful")
                           .order_by(Call.id))
    return list({row.call_key: row for row in rows}.values())


def get_call(session: Session, site: Site, call_key: str | None = None) -> Call:
    """The site's current call of that kind; without a kind, the site's only current call."""
    rows = [c for c in current_calls(session, site) if not call_key or c.call_key == call_key]
    if not rows:
        raise NotFound(code="call.none_drafted", field="call", site=site.id, call=call_key or "")
    if len(rows) > 1:
        raise InputError(code="call.name_one", field="call", site=site.id, known=[r.call_key for r in rows])
    return rows[0]


def create_call(session: Session, site: Site, call_key: str | None, *, actor: Actor, now: datetime,
                title: str | None = None) -> Call:
    """Start a call from its definition: default criteria and distribution, and the needs
    taken from the diagnostic's conclusions when there are any."""
    from ..diagnostic.queries import conclusions

    calls = workflow_of(site).work.calls
    if call_key is None:
        if len(calls) != 1:
            raise InputError(code="call.name_kind", field="call", known=[c.id for c in calls])
        call_key = calls[0].id
    spec = spec_of(site, call_key)
    if session.scalar(select(Call.id).where(Call.site_id == site.id, Call.call_key == call_key,
                                            Call.status != "unsuccessful")):
        raise InputError(code="call.exists", field="call", site=site.id, call=call_key)
    previous = session.scalar(select(Call.id).where(Call.site_id == site.id, Call.call_key == call_key)
                              .order_by(Call.id.desc()).limit(1))
    needs = conclusions(session, site) if workflow_of(site).work.diagnostic else None
    call = Call(site_id=site.id, call_key=call_key, title=(title or "").strip() or f"{spec.label.fr} - {site.name}",
                body="", needs=needs or "", criteria=[{"id": c.id, "label": c.label.fr, "weight": c.weight}
                                                      for c in spec.criteria],
                distribution=list(spec.distribution), created_dt=now, changed_dt=now, changed_by=actor.name)
    session.add(call)
    session.flush()
    record(session, site, actor, now, "call_created", call_id=call.id, call=call_key,
           **({"after_unsuccessful": previous} if previous else {}))
    session.flush()
    return call


def _check_version(call: Call, expected_version: int | None):
    if expected_version is not None and call.version_id != expected_version:
        raise StaleEdit(code="call.stale", field="version", call=call.id, by=call.changed_by)


def edit_call(session: Session, site: Site, call: Call, *, actor: Actor, now: datetime,
              expected_version: int | None = None, **fields) -> Call:
    """Change the call's text, needs or the establishment's realities."""
    _check_version(call, expected_version)
    CALLS.fire(call, "edit", now=now)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise InputError(code="call.field_unknown", field=sorted(unknown)[0], allowed=list(EDITABLE))
    if "capacity" in fields and fields["capacity"] is not None:
        fields["capacity"] = inputs.whole(fields["capacity"], "capacity")
        if not 1 <= fields["capacity"] <= 500:
            raise InputError(code="call.capacity_range", field="capacity", low=1, high=500)
    if "title" in fields and not (fields["title"] or "").strip():
        raise InputError(code="call.title_required", field="title")
    for name, value in fields.items():
        setattr(call, name, value.strip() if isinstance(value, str) else value)
    call.changed_dt, call.changed_by = now, actor.name
    record(session, site, actor, now, "call_edited", call_id=call.id, fields=sorted(fields))
    session.flush()
    return call


def set_weight(session: Session, site: Site, call: Call, criterion: str, weight: int, *, actor: Actor,
               now: datetime) -> Call:
    CALLS.fire(call, "set_weights", now=now)
    weight = inputs.whole(weight, f"weight '{criterion}'")
    if not 0 <= int(weight) <= 10:
        raise InputError(code="call.weight_range", field="weight", criterion=criterion, low=0, high=10)
    criteria = [dict(c) for c in call.criteria]
    found = [c for c in criteria if c["id"] == criterion]
    if not found:
        raise InputError(code="choice.invalid", field="criterion", value=criterion, allowed=[c["id"] for c in criteria])
    found[0]["weight"] = int(weight)
    if not any(c["weight"] for c in criteria):
        raise InputError(code="call.weight_all_zero", field="weight")
    call.criteria = criteria
    call.changed_dt, call.changed_by = now, actor.name
    record(session, site, actor, now, "call_weight", call_id=call.id, criterion=criterion, weight=int(weight))
    session.flush()
    return call


def set_weights(session: Session, site: Site, call: Call, weights: dict, *, actor: Actor, now: datetime) -> Call:
    """The weights a form gives (``{criterion: "3"}``, as typed): each is parsed, and only those that
    differ from the call's are changed (one history entry each)."""
    current = {c["id"]: c["weight"] for c in call.criteria}
    for criterion, raw in weights.items():
        try:
            weight = inputs.whole(raw, "weight")
        except InputError:  # the criterion it was typed for says where
            raise InputError(code="call.weight_invalid", field="weight", criterion=criterion,
                             value=str(raw if raw is not None else "").strip()) from None
        if weight != current.get(criterion):
            set_weight(session, site, call, criterion, weight, actor=actor, now=now)
    return call


def set_distribution(session: Session, site: Site, call: Call, recipients, *, actor: Actor, now: datetime) -> Call:
    CALLS.fire(call, "edit", now=now)
    recipients = [r.strip() for r in recipients if r and r.strip()]
    call.distribution = list(dict.fromkeys(recipients))
    call.changed_dt, call.changed_by = now, actor.name
    record(session, site, actor, now, "call_distribution", call_id=call.id)
    session.flush()
    return call


def drafting_problems(call: Call) -> list[str]:
    """What is missing before the call can be published: ``body``, ``needs``, ``criteria`` (each a
    ``call.missing.*`` phrase of the refusals catalogue); reads body, needs and criteria."""
    problems = []
    if not call.body.strip():
        problems.append("body")
    if not call.needs.strip():
        problems.append("needs")
    if not any(c["weight"] for c in call.criteria):
        problems.append("criteria")
    return problems


def publish_call(session: Session, site: Site, call: Call, *, published_on, closes_on, actor: Actor,
                 now: datetime, **columns) -> list[Advice]:
    """Publish: record the publication date decision; return warnings (a short answer window)."""
    spec = spec_of(site, call.call_key)
    CALLS.check(call, "publish", now=now)
    published, closes = inputs.day(published_on, "published_on"), inputs.day(closes_on, "closes_on")
    if closes <= published:
        raise InputError(code="call.closes_before_publication", field="closes_on", closes_on=closes,
                         published_on=published)
    if spec.publication_decision:
        before = _unsuccessful_before(session, call)
        if before is not None and "supersede_reason" not in columns:
            # the publication of the call it replaces is superseded by this one, for that call's reason
            columns["supersede_reason"] = f"call {before.id} closed as unsuccessful: {before.unsuccessful_reason}"
        record_decision(session, site, key=spec.publication_decision, value=published.isoformat(), text=None,
                        actor=actor, now=now, decided_on=published, through="call_publication", **columns)
    call.published_on, call.closes_on = published, closes
    CALLS.fire(call, "publish", session=session, actor=actor, now=now, detail={"closes_on": closes.isoformat()})
    session.flush()
    return answer_window_warnings(spec, published, closes)


def _unsuccessful_before(session: Session, call: Call) -> Call | None:
    """The call of the same kind closed as unsuccessful that ``call`` follows, if any."""
    return session.scalar(select(Call).where(Call.site_id == call.site_id, Call.call_key == call.call_key,
                                             Call.id < call.id, Call.status == "unsuccessful")
                          .order_by(Call.id.desc()).limit(1))


def extend_call(session: Session, site: Site, call: Call, closes_on, reason: str, *, actor: Actor,
                now: datetime) -> Call:
    """Move a published call's closing date later, before or after it closed (the guide lets a
    call that drew no suitable candidate run longer), with a reason. Its answers deadline and
    reminders follow the new date; the history keeps the old date, the reason and the
    distribution list the extension is announced to."""
    CALLS.check(call, "extend", now=now, reason=reason)
    closes = inputs.day(closes_on, "closes_on")
    if closes <= call.closes_on:
        raise InputError(code="call.extension_not_later", field="closes_on", value=closes, closes=call.closes_on)
    previous, call.closes_on = call.closes_on, closes
    CALLS.fire(call, "extend", session=session, actor=actor, now=now, reason=reason,
               detail={"previous": previous.isoformat(), "closes_on": closes.isoformat(),
                       "announced_to": list(call.distribution), "after_closing": local_date(now) > previous})
    session.flush()
    return call


def answer_window_warnings(spec, published: date, closes: date) -> list[Advice]:
    """Advice (not a refusal) on the publication: a short answer window."""
    days = (closes - published).days
    if days < spec.min_answer_days:
        return [Advice(code="call.short_answer_window", field="closes_on", days=days, advised=spec.min_answer_days)]
    return []


def add_slot(session: Session, site: Site, call: Call, *, kind: str, starts_dt: datetime | str, actor: Actor,
             now: datetime, place: str | None = None, organisation: str | None = None) -> CallSlot:
    """Offer a workshop-zone visit or hold a bilateral meeting, before the call closes.
    ``starts_dt`` may be text as typed (ISO, local time when it has no offset)."""
    CALLS.fire(call, "offer_slot", now=now)
    if kind not in SLOT_KINDS:
        raise InputError(code="choice.invalid", field="kind", value=kind, allowed=list(SLOT_KINDS))
    if isinstance(starts_dt, str):
        starts_dt = inputs.instant(starts_dt, "starts", department_zone(site.department))
    if starts_dt.tzinfo is None:
        raise InputError(code="datetime.no_time_zone", field="starts")
    if call.closes_on is not None and local_date(starts_dt) > call.closes_on:
        raise InputError(code="call.slot_after_close", field="starts", value=local_date(starts_dt),
                         closes_on=call.closes_on)
    if kind == "bilateral" and not (organisation or "").strip():
        raise InputError(code="call.bilateral_organisation", field="organisation")
    slot = CallSlot(call_id=call.id, kind=kind, starts_dt=starts_dt, place=(place or "").strip() or None,
                    organisation=(organisation or "").strip() or None)
    call.slots.append(slot)
    session.flush()
    record(session, site, actor, now, "call_slot", call_id=call.id, slot_id=slot.id, kind=kind)
    session.flush()
    return slot


def close_unsuccessful(session: Session, site: Site, call: Call, reason: str, *, actor: Actor,
                       now: datetime) -> Call:
    """Close a call that ended without a selection (it drew no suitable candidate), with the
    reason, recorded in the history. It stays in the record, with its applications and
    scores; the site may then draft a new call of the same kind (``create_call``)."""
    reason = (reason or "").strip()
    CALLS.fire(call, "close_unsuccessful", session=session, actor=actor, now=now, reason=reason,
               detail={"call": call.call_key, "applications": len(call.applications)})
    call.unsuccessful_reason, call.unsuccessful_dt = reason, now
    session.flush()
    return call
