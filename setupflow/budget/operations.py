"""Changing the forecast budget. Amounts are integer cents, parsed with Decimal."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from .. import inputs
from ..db import row_id
from ..errors import InputError, NotFound, StaleEdit
from ..refusals import Term
from ..sites.models import Site
from ..sites.operations import Actor, record
from .models import KINDS, BudgetChange, BudgetLine

FIELDS = ("kind", "category", "label", "funder", "status", "planned_cents", "actual_cents")


def parse_amount(value, field: str = "amount") -> int | None:
    """'1 234,56', '1234.56', 1234 -> cents; '' or None -> None (the input edge's rules)."""
    found = inputs.optional_amount(value, field)
    return None if found is None else int(found * 100)


def _checked(values: dict) -> dict:
    if values.get("kind") not in KINDS:
        raise InputError(code="choice.invalid", field="kind", value=values.get("kind"), allowed=list(KINDS))
    allowed = ("planned",) if values["kind"] == "expense" else ("requested", "granted", "refused")
    if values.get("status") not in allowed:
        raise InputError(code="budget.status_invalid", field="status", kind=Term(f"budget.kind.{values['kind']}"),
                         value=values.get("status"), allowed=list(allowed))
    for name in ("category", "label"):
        values[name] = inputs.text(values.get(name), name, one_line=True)
        if not values[name]:
            raise InputError(code="required", field=name, label=name)
    values["funder"] = inputs.text(values.get("funder"), "funder", one_line=True) or None
    if values["kind"] == "income" and values["funder"] is None:
        raise InputError(code="budget.funder_required", field="funder")
    if values.get("planned_cents") is None:
        raise InputError(code="budget.planned_required", field="planned")
    return values


def add_line(session: Session, site: Site, *, kind: str, category: str, label: str, planned, actor: Actor,
             now: datetime, funder: str | None = None, status: str | None = None, actual=None) -> BudgetLine:
    status = status or ("planned" if kind == "expense" else "requested")
    values = _checked({"kind": kind, "category": category, "label": label, "funder": funder, "status": status,
                       "planned_cents": parse_amount(planned, "planned"),
                       "actual_cents": parse_amount(actual, "actual")})
    line = BudgetLine(site_id=site.id, created_dt=now, changed_dt=now, changed_by=actor.name, **values)
    session.add(line)
    session.flush()
    session.add(BudgetChange(line_id=line.id, at_dt=now, actor=actor.name,
                             changes={k: [None, values[k]] for k in FIELDS}))
    record(session, site, actor, now, "budget_line", line_id=line.id, kind=kind)
    session.flush()
    return line


def get_line(session: Session, site: Site, line_id) -> BudgetLine:
    number = row_id(line_id)
    line = session.get(BudgetLine, number) if number else None
    if line is None or line.site_id != site.id:
        raise NotFound(code="budget.line_not_found", field="line", line=line_id, site=site.id)
    return line


def change_line(session: Session, site: Site, line: BudgetLine, *, actor: Actor, now: datetime,
                expected_version: int | None = None, **fields) -> BudgetLine:
    """Change some fields (``planned``/``actual`` as amounts); the change is kept in the line's history."""
    if expected_version is not None and line.version_id != expected_version:
        raise StaleEdit(code="budget.line_stale", field="line", line=line.id, by=line.changed_by)
    updates = dict(fields)
    for amount in ("planned", "actual"):
        if amount in updates:
            updates[f"{amount}_cents"] = parse_amount(updates.pop(amount), amount)
    unknown = set(updates) - set(FIELDS)
    if unknown:
        raise InputError(code="budget.field_unknown", field=sorted(unknown)[0])
    current = {k: getattr(line, k) for k in FIELDS}
    values = _checked({**current, **updates})
    changes = {k: [current[k], values[k]] for k in FIELDS if current[k] != values[k]}
    if not changes:
        return line
    for k, (_old, new) in changes.items():
        setattr(line, k, new)
    line.changed_dt, line.changed_by = now, actor.name
    session.add(BudgetChange(line_id=line.id, at_dt=now, actor=actor.name, changes=changes))
    record(session, site, actor, now, "budget_change", line_id=line.id, fields=sorted(changes))
    session.flush()
    return line
