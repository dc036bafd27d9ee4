"""Drafting, publishing and spreading a call; visit slots and bilateral meetings."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import local_date
from ..errors import InputError, NotFound, StaleEdit
from ..sites.models import Site
from ..sites.operations import Actor, _parse_day, record, record_decision
from ..sites.runtime import workflow_of
from .models import Call, CallSlot

EDITABLE = ("title", "body", "needs", "capacity", "workshop_zone", "surveillance_constraints")
SLOT_KINDS = ("visit", "bilateral")


def spec_of(site: Site, call_key: str):
    calls = workflow_of(site).work.calls
    try:
        return workflow_of(site).work.call(call_key)
    except KeyError:
        known = ", ".join(c.id for c in calls) or "none"
        raise InputError(f"call: unknown call '{call_key}' in {site.workflow_id} (known: {known})") from None


def get_call(session: Session, site: Site, call_key: str | None = None) -> Call:
    """The site's call of that kind; without a kind, the site's only call."""
    query = select(Call).where(Call.site_id == site.id)
    if call_key:
        query = query.where(Call.call_key == call_key)
    rows = list(session.scalars(query.order_by(Call.id)))
    if not rows:
        raise NotFound(f"site {site.id}: no call{' ' + call_key if call_key else ''} drafted yet")
    if len(rows) > 1:
        raise InputError(f"call: site {site.id} has several calls, name one ({', '.join(r.call_key for r in rows)})")
    return rows[0]


def create_call(session: Session, site: Site, call_key: str | None, *, actor: Actor, now: datetime,
                title: str | None = None) -> Call:
    """Start a call from its definition: default criteria and distribution, and the needs
    taken from the diagnostic's conclusions when there are any."""
    from ..diagnostic.queries import conclusions

    calls = workflow_of(site).work.calls
    if call_key is None:
        if len(calls) != 1:
            raise InputError("call: name the kind of call (" + ", ".join(c.id for c in calls) + ")")
        call_key = calls[0].id
    spec = spec_of(site, call_key)
    if session.scalar(select(Call.id).where(Call.site_id == site.id, Call.call_key == call_key)):
        raise InputError(f"call: site {site.id} already has a call '{call_key}'")
    needs = conclusions(session, site) if workflow_of(site).work.diagnostic else None
    call = Call(site_id=site.id, call_key=call_key, title=(title or "").strip() or f"{spec.label.fr} - {site.name}",
                body="", needs=needs or "", criteria=[{"id": c.id, "label": c.label.fr, "weight": c.weight}
                                                      for c in spec.criteria],
                distribution=list(spec.distribution), created_dt=now, changed_dt=now, changed_by=actor.name)
    session.add(call)
    session.flush()
    record(session, site, actor, now, "call_created", call_id=call.id, call=call_key)
    session.flush()
    return call


def _check_version(call: Call, expected_version: int | None):
    if expected_version is not None and call.version_id != expected_version:
        raise StaleEdit(f"call {call.id}: changed by {call.changed_by} since you opened it; reload and redo "
                        "your edit")


def edit_call(session: Session, site: Site, call: Call, *, actor: Actor, now: datetime,
              expected_version: int | None = None, **fields) -> Call:
    """Change the call's text, needs or the establishment's realities."""
    _check_version(call, expected_version)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise InputError(f"{sorted(unknown)[0]}: not an editable field of a call ({', '.join(EDITABLE)})")
    if "capacity" in fields and fields["capacity"] is not None:
        try:
            fields["capacity"] = int(fields["capacity"])
        except (TypeError, ValueError):
            raise InputError(f"capacity: '{fields['capacity']}' is not a whole number") from None
        if not 1 <= fields["capacity"] <= 500:
            raise InputError("capacity: between 1 and 500 places")
    if "title" in fields and not (fields["title"] or "").strip():
        raise InputError("title: a call needs a title")
    for name, value in fields.items():
        setattr(call, name, value.strip() if isinstance(value, str) else value)
    call.changed_dt, call.changed_by = now, actor.name
    record(session, site, actor, now, "call_edited", call_id=call.id, fields=sorted(fields))
    session.flush()
    return call


def set_weight(session: Session, site: Site, call: Call, criterion: str, weight: int, *, actor: Actor,
               now: datetime) -> Call:
    if call.published_on is not None:
        raise InputError(f"call {call.id}: published on {call.published_on}; its criteria weights are fixed "
                         "so that every candidate is judged on the published rules")
    if not 0 <= int(weight) <= 10:
        raise InputError(f"weight '{criterion}': between 0 and 10")
    criteria = [dict(c) for c in call.criteria]
    found = [c for c in criteria if c["id"] == criterion]
    if not found:
        raise InputError(f"criterion: unknown criterion '{criterion}' ({', '.join(c['id'] for c in criteria)})")
    found[0]["weight"] = int(weight)
    if not any(c["weight"] for c in criteria):
        raise InputError("weight: at least one criterion must weigh something")
    call.criteria = criteria
    call.changed_dt, call.changed_by = now, actor.name
    record(session, site, actor, now, "call_weight", call_id=call.id, criterion=criterion, weight=int(weight))
    session.flush()
    return call


def set_distribution(session: Session, site: Site, call: Call, recipients, *, actor: Actor, now: datetime) -> Call:
    recipients = [r.strip() for r in recipients if r and r.strip()]
    call.distribution = list(dict.fromkeys(recipients))
    call.changed_dt, call.changed_by = now, actor.name
    record(session, site, actor, now, "call_distribution", call_id=call.id)
    session.flush()
    return call


def drafting_problems(call: Call) -> list[str]:
    """What is missing before the call can be published (reads body, needs and criteria)."""
    problems = []
    if not call.body.strip():
        problems.append("body: the call has no text yet")
    if not call.needs.strip():
        problems.append("needs: say which needs of the prison population it answers")
    if not any(c["weight"] for c in call.criteria):
        problems.append("criteria: no weighted criterion")
    return problems


def publish_call(session: Session, site: Site, call: Call, *, published_on, closes_on, actor: Actor,
                 now: datetime, **columns) -> list[str]:
    """Publish: record the publication date decision; return warnings (a short answer window)."""
    spec = spec_of(site, call.call_key)
    problems = drafting_problems(call)
    if problems:
        raise InputError(f"call {call.id} cannot be published yet: " + "; ".join(problems))
    if call.published_on is not None:
        raise InputError(f"call {call.id}: already published on {call.published_on}")
    published, closes = _parse_day(published_on, "published_on"), _parse_day(closes_on, "closes_on")
    if closes <= published:
        raise InputError(f"closes_on: {closes} must come after the publication ({published})")
    call.published_on, call.closes_on = published, closes
    call.changed_dt, call.changed_by = now, actor.name
    if spec.publication_decision:
        record_decision(session, site, key=spec.publication_decision, value=published.isoformat(), text=None,
                        actor=actor, now=now, decided_on=published, through="call_publication", **columns)
    record(session, site, actor, now, "call_published", call_id=call.id, closes_on=closes.isoformat())
    session.flush()
    return answer_window_warnings(spec, published, closes)


def extend_call(session: Session, site: Site, call: Call, closes_on, reason: str, *, actor: Actor,
                now: datetime) -> Call:
    """Move a published call's closing date later, before or after it closed (the guide lets a
    call that drew no suitable candidate run longer), with a reason. Its answers deadline and
    reminders follow the new date; the history keeps the old date, the reason and the
    distribution list the extension is announced to."""
    if call.published_on is None:
        raise InputError(code="call.not_published", field="closes_on", call=call.id)
    reason = (reason or "").strip()
    if not reason:
        raise InputError(code="required", field="reason")
    closes = _parse_day(closes_on, "closes_on")
    if closes <= call.closes_on:
        raise InputError(code="call.extension_not_later", field="closes_on", value=closes, closes=call.closes_on)
    previous, call.closes_on = call.closes_on, closes
    call.changed_dt, call.changed_by = now, actor.name
    record(session, site, actor, now, "call_extended", reason=reason, call_id=call.id,
           previous=previous.isoformat(), closes_on=closes.isoformat(), announced_to=list(call.distribution),
           after_closing=local_date(now) > previous)
    session.flush()
    return call


def answer_window_warnings(spec, published: date, closes: date) -> list[str]:
    days = (closes - published).days
    if days < spec.min_answer_days:
        return [f"closes_on: candidates get {days} days to answer; the method advises at least "
                f"{spec.min_answer_days} (two to three months)"]
    return []


def add_slot(session: Session, site: Site, call: Call, *, kind: str, starts_dt: datetime, actor: Actor,
             now: datetime, place: str | None = None, organisation: str | None = None) -> CallSlot:
    """Offer a workshop-zone visit or hold a bilateral meeting, before the call closes."""
    if kind not in SLOT_KINDS:
        raise InputError(f"kind: '{kind}' is not one of {', '.join(SLOT_KINDS)}")
    if starts_dt.tzinfo is None:
        raise InputError("starts: give a time zone")
    if call.closes_on is not None and local_date(starts_dt) > call.closes_on:
        raise InputError(f"starts: {local_date(starts_dt)} is after the call closes ({call.closes_on}); "
                         "visits and meetings come before the deadline")
    if kind == "bilateral" and not (organisation or "").strip():
        raise InputError("organisation: a bilateral meeting is with one candidate organisation")
    slot = CallSlot(call_id=call.id, kind=kind, starts_dt=starts_dt, place=(place or "").strip() or None,
                    organisation=(organisation or "").strip() or None)
    call.slots.append(slot)
    session.flush()
    record(session, site, actor, now, "call_slot", call_id=call.id, slot_id=slot.id, kind=kind)
    session.flush()
    return slot
