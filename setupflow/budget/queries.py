"""Reading the forecast budget: lines, totals (in cents) and each line's history."""
from __future__ import annotations

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from ..evidence import proves
from ..sites.models import Site
from .models import BudgetChange, BudgetLine


def euros(cents: int | None) -> str:
    """12345 -> '123.45' (exact, no float)."""
    if cents is None:
        return "-"
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def lines(session: Session, site: Site) -> list[BudgetLine]:
    return list(session.scalars(select(BudgetLine).where(BudgetLine.site_id == site.id)
                                .order_by(BudgetLine.kind, BudgetLine.category, BudgetLine.id)))


def totals(session: Session, site: Site) -> dict[str, int]:
    """Sums in cents. Income counts planned amounts of lines not refused; 'granted' only
    the granted ones; actuals sum what is known."""
    out = {"expense_planned": 0, "expense_actual": 0, "income_planned": 0, "income_granted": 0,
           "income_requested": 0, "income_actual": 0}
    for line in lines(session, site):
        if line.kind == "expense":
            out["expense_planned"] += line.planned_cents
            out["expense_actual"] += line.actual_cents or 0
        elif line.status != "refused":
            out["income_planned"] += line.planned_cents
            out["income_actual"] += line.actual_cents or 0
            out["income_" + line.status] += line.planned_cents
    out["balance_planned"] = out["income_planned"] - out["expense_planned"]
    out["balance_secured"] = out["income_granted"] - out["expense_planned"]
    return out


def describe(session: Session, site: Site) -> dict:
    return {"lines": [{"id": ln.id, "kind": ln.kind, "category": ln.category, "label": ln.label,
                       "funder": ln.funder, "status": ln.status, "planned": euros(ln.planned_cents),
                       "actual": euros(ln.actual_cents) if ln.actual_cents is not None else None,
                       "version": ln.version_id} for ln in lines(session, site)],
            "totals": {k: euros(v) for k, v in totals(session, site).items()}}


def history(session: Session, line: BudgetLine) -> list[dict]:
    rows = session.scalars(select(BudgetChange).where(BudgetChange.line_id == line.id).order_by(BudgetChange.id))
    return [{"at": r.at_dt.isoformat(), "actor": r.actor, "changes": r.changes} for r in rows]


@proves("budget_drawn_up")
def _drawn_up(_workflow, _argument, site_id):
    return and_(exists().where(_LINE.site_id == site_id, _LINE.kind == "expense"),
                exists().where(_LINE.site_id == site_id, _LINE.kind == "income"))


_LINE = BudgetLine.__table__.c
