"""Reading the support stage: workstreams, the DUI circuit against its planned window,
and the proofs the support tasks rely on."""
from __future__ import annotations

from datetime import date

from sqlalchemy import exists, false, func, select
from sqlalchemy.orm import Session

from ..evidence import proves
from ..sites.models import Site
from ..sites.operations import dated_decisions, opening_day, planned
from .models import Immersion, WorkstreamItem
from .operations import signatures, spec_of


def _done(session: Session, site: Site) -> dict[tuple[str, str], WorkstreamItem]:
    return {(r.workstream, r.item): r for r in session.scalars(select(WorkstreamItem).where(
        WorkstreamItem.site_id == site.id, WorkstreamItem.is_done))}


def workstreams(session: Session, site: Site, lang: str = "fr") -> list[dict]:
    done = _done(session, site)
    out = []
    for w in spec_of(site).workstreams:
        items = [{"key": i.id, "label": i.label.get(lang), "done": (w.id, i.id) in done,
                  "done_on": done[(w.id, i.id)].done_on.isoformat() if (w.id, i.id) in done and
                  done[(w.id, i.id)].done_on else None} for i in w.checklist]
        out.append({"key": w.id, "label": w.label.get(lang), "items": items,
                    "complete": all(i["done"] for i in items)})
    return out


def dui_status(session: Session, site: Site, today: date, lang: str = "fr") -> dict:
    """The signature circuit in order, who is next, and the planned window."""
    dui = spec_of(site).dui
    if dui is None:
        return {}
    done = signatures(session, site)
    window = None
    if dui.deadline:
        plan = planned(site, dated_decisions(session, site))
        found = next((d for d in plan.deadlines if d.deadline.id == dui.deadline), None)
        if found is not None:
            window = found.window.as_dict()
    steps = [{"signatory": s.id, "label": s.label.get(lang),
              "signed_on": done[s.id].signed_on.isoformat() if s.id in done else None,
              "signed_by": done[s.id].signed_by if s.id in done else None} for s in dui.signatories]
    for step in steps:
        #: signed before its planned window opened or after it closed (accepted, shown)
        step["outside_window"] = bool(window and step["signed_on"]) and not (
            window["earliest"] <= step["signed_on"] <= window["latest"])
    waiting = [s["signatory"] for s in steps if s["signed_on"] is None]
    last = max((s["signed_on"] for s in steps if s["signed_on"]), default=None) if not waiting else None
    return {"steps": steps, "next": waiting[0] if waiting else None, "waiting": waiting, "complete": not waiting,
            "window": window, "outside_window": [s["signatory"] for s in steps if s["outside_window"]],
            #: the circuit ended after the planned window, or has not ended and the window is past
            "is_late": bool(window) and (last or today.isoformat()) > window["latest"]}


def immersion(session: Session, site: Site) -> dict | None:
    row = session.scalar(select(Immersion).where(Immersion.site_id == site.id))
    if row is None:
        return None
    opening = opening_day(session, site)
    return {"starts_on": row.starts_on.isoformat(), "ends_on": row.ends_on.isoformat(), "note": row.note,
            #: the immersion comes before the opening (the confirmed one, else the target)
            "after_opening": opening.isoformat() if row.ends_on > opening else None}


@proves("workstream_complete")
def _workstream_complete(workflow, workstream, site_id):
    spec = workflow.work.support
    stream = next((w for w in spec.workstreams if w.id == workstream), None) if spec else None
    if stream is None:
        return false()
    items = {i.id for i in stream.checklist}
    done = select(func.count(_ITEM.item.distinct())).where(
        _ITEM.site_id == site_id, _ITEM.workstream == stream.id, _ITEM.is_done, _ITEM.item.in_(items)) \
        .scalar_subquery()
    return done == len(items)


@proves("immersion_scheduled")
def _immersion_scheduled(_workflow, _argument, site_id):
    return exists().where(_IMMERSION_ROW.site_id == site_id)


# Table columns, not ORM attributes: a Core statement skips the ORM's compile step.
_ITEM, _IMMERSION_ROW = WorkstreamItem.__table__.c, Immersion.__table__.c
