"""Reading calls: the ranking of applications and the proofs the call tasks rely on."""
from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ..evidence import json_rows, proves, rows_of
from ..sites.models import Site
from .models import Application, Call, CallSlot, Score
from .operations import drafting_problems


def ranking(call: Call) -> list[dict]:
    """Applications by weighted score, best first.

    For each criterion, the members' scores are averaged; the weighted score is
    sum(weight x average) / sum(weights), on the call's 0..max scale. A criterion no
    member scored counts as 0 and is listed in ``missing``. A member's sheet that does
    not score every weighted criterion is partial: it is listed in ``partial`` and does
    not count until it is complete (a half-filled sheet would pull the average down).
    ``partial`` and ``before_rule`` name the members as people read them; ``before_rule``
    lists the counted sheets recorded before scores had to come from a committee member
    of the team file (free text): they count, and the page shows them flagged.
    """
    weights = {c["id"]: Decimal(c["weight"]) for c in call.criteria}
    weighted_ids = {k for k, w in weights.items() if w}
    total_weight = sum(weights.values()) or Decimal(1)
    rows = []
    for application in call.applications:
        sheets: dict[str, set[str]] = {}
        names: dict[str, str] = {}
        older: set[str] = set()
        for s in application.scores:
            sheets.setdefault(s.member, set()).add(s.criterion)
            # the programmes' scores (same shape, member in text) are ranked here too
            names[s.member] = getattr(s, "member_name", s.member)
            if getattr(s, "before_rule", False):
                older.add(s.member)
        partial = sorted((m for m, scored in sheets.items() if not weighted_ids <= scored), key=names.get)
        by_criterion: dict[str, list[int]] = {}
        for s in application.scores:
            if s.member not in partial:
                by_criterion.setdefault(s.criterion, []).append(s.score)
        averages = {k: Decimal(sum(v)) / len(v) for k, v in by_criterion.items() if k in weights}
        weighted = sum((weights[k] * averages.get(k, Decimal(0)) for k in weights), Decimal(0)) / total_weight
        rows.append({"application_id": application.id, "organisation": application.organisation,
                     "structure_type": application.structure_type, "is_selected": application.is_selected,
                     "score": str(weighted.quantize(Decimal("0.01"), ROUND_HALF_UP)),
                     "members": len(sheets) - len(partial), "partial": [names[m] for m in partial],
                     "before_rule": sorted(names[m] for m in older if m not in partial),
                     "averages": {k: str(v.quantize(Decimal("0.01"), ROUND_HALF_UP)) for k, v in averages.items()},
                     "missing": [k for k in weights if k not in averages]})
    rows.sort(key=lambda r: (-Decimal(r["score"]), r["organisation"].casefold()))
    for i, row in enumerate(rows, 1):
        row["rank"] = i
    return rows


def describe_call(call: Call) -> dict:
    return {"id": call.id, "call": call.call_key, "status": call.status, "title": call.title, "body": call.body,
            "needs": call.needs,
            "capacity": call.capacity, "workshop_zone": call.workshop_zone,
            "surveillance_constraints": call.surveillance_constraints, "criteria": call.criteria,
            "distribution": call.distribution,
            "published_on": call.published_on.isoformat() if call.published_on else None,
            "closes_on": call.closes_on.isoformat() if call.closes_on else None,
            "unsuccessful_reason": call.unsuccessful_reason,
            "version": call.version_id, "missing": drafting_problems(call),
            "slots": [{"id": s.id, "kind": s.kind, "starts": s.starts_dt.isoformat(), "place": s.place,
                       "organisation": s.organisation} for s in call.slots],
            "applications": [{"id": a.id, "organisation": a.organisation, "legal_status": a.legal_status,
                              "structure_type": a.structure_type, "activity": a.activity,
                              "received_on": a.received_on.isoformat(), "is_selected": a.is_selected,
                              "files": [{"id": f.id, "name": f.original_name, "type": f.content_type,
                                         "size": f.size} for f in a.files]}
                             for a in call.applications]}


def calls_of(session: Session, site: Site) -> list[Call]:
    """Every call of the site in the order they were drafted, the unsuccessful ones included
    (the site's current calls: ``operations.current_calls``)."""
    return list(session.scalars(select(Call).where(Call.site_id == site.id).order_by(Call.id)))


def _drafted_rows(rows, _workflow, _argument) -> bool:
    # each row has what drafting_problems reads: body, needs, criteria
    # (SQLite's JSON functions give a JSON column's text as a string)
    return any(not drafting_problems(SimpleNamespace(
        body=body, needs=needs, criteria=json.loads(criteria) if isinstance(criteria, str) else criteria))
        for body, needs, criteria in rows_of(rows))


@proves("call_document_drafted", judge=_drafted_rows)
def _drafted(_workflow, _argument, site_id):
    return select(json_rows(_CALL.body, _CALL.needs, _CALL.criteria)).where(_CALL.site_id == site_id, _CURRENT) \
        .scalar_subquery()


@proves("call_published")
def _published(_workflow, _argument, site_id):
    return exists().where(_CALL.site_id == site_id, _CURRENT, _CALL.published_on.is_not(None))


@proves("call_meetings_offered")
def _meetings(_workflow, _argument, site_id):
    return exists().where(_SLOT.call_id == _CALL.id, _CALL.site_id == site_id, _CURRENT)


@proves("call_applications_scored")
def _scored(_workflow, _argument, site_id):
    # a call with applications, each of them scored
    call, application, score = Call.__table__.alias("scored_call"), _APPLICATION.alias("scored_application"), \
        Score.__table__.alias("scored_score")
    return exists().where(
        call.c.site_id == site_id, call.c.status != "unsuccessful",
        exists().where(application.c.call_id == call.c.id),
        ~exists().where(application.c.call_id == call.c.id,
                        ~exists().where(score.c.application_id == application.c.id)))


# Table columns, not ORM attributes: a Core statement skips the ORM's compile step. Only the
# site's current calls prove anything: a call closed as unsuccessful stays in the record only.
_CALL, _SLOT, _APPLICATION = Call.__table__.c, CallSlot.__table__.c, Application.__table__
_CURRENT = _CALL.status != "unsuccessful"
