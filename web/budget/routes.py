"""The forecast budget page: lines of expense and income, planned against actual, totals,
each line's history; an edit made on an outdated page is refused, never merged."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from setupflow import inputs
from setupflow.budget import operations as ops
from setupflow.budget import queries
from setupflow.budget.models import KINDS, STATUSES
from setupflow.errors import InputError, StaleEdit
from setupflow.sites.runtime import workflow_of

from ..db import db_session
from ..i18n import current_language
from ..work_pages import actor, can_edit, done, now, owned, problem_text, refuse, site_for

bp = Blueprint("budget", __name__)

KIND_LABELS = {"expense": _l("Expense"), "income": _l("Income")}
STATUS_LABELS = {"planned": _l("Planned"), "requested": _l("Requested"), "granted": _l("Granted"),
                 "refused": _l("Refused")}
LINE_FIELDS = ("kind", "category", "label", "funder", "status", "planned", "actual")


def money(value) -> str:
    """An amount in euros as the reader writes it ("32 000,00 €" in French), by Babel."""
    from decimal import Decimal, InvalidOperation

    from flask_babel import format_currency

    if value in (None, "", "-"):
        return ""
    try:
        return format_currency(Decimal(str(value)), "EUR")
    except InvalidOperation:
        return str(value)


def category_label(site, category: str | None) -> str:
    """A budget category in the reader's words: its label in the definition, else as typed."""
    for item in workflow_of(site).work.budget_categories:
        if item.id == (category or "").strip().lower():
            return item.label.get(current_language())
    return category or ""


def _common(site):
    return {"site": site, "kinds": KINDS, "statuses": STATUSES, "kind_labels": KIND_LABELS,
            "status_labels": STATUS_LABELS, "can_edit": can_edit(site), "lang": current_language(),
            "categories": workflow_of(site).work.budget_categories, "money": money,
            "category_label": lambda category: category_label(site, category)}


def _page(site, form=None, error=None, status=200):
    return render_template("budget/budget.html", budget=queries.describe(db_session(), site), form=form or {},
                           error=error, **_common(site)), status


def _line_page(site, line, form=None, error=None, status=200):
    current = {"kind": line.kind, "category": line.category, "label": line.label, "funder": line.funder or "",
               "status": line.status, "planned": queries.euros(line.planned_cents),
               "actual": queries.euros(line.actual_cents) if line.actual_cents is not None else "",
               "version": line.version_id}
    return render_template("budget/budget_line.html", line=line, form=form or current, error=error,
                           history=_readable(queries.history(db_session(), line), site), **_common(site)), status


def _readable(history: list[dict], site) -> list[dict]:
    """Amounts in euros and field names in the reader's words."""
    names = {"kind": _l("Kind"), "category": _l("Category"), "label": _l("Label"), "funder": _l("Funder"),
             "status": _l("Status"), "planned_cents": _l("Planned (€)"), "actual_cents": _l("Actual (€)")}
    words = {**KIND_LABELS, **STATUS_LABELS}
    out = []
    for entry in history:
        changes = []
        for field, (old, new) in entry["changes"].items():
            if field.endswith("_cents"):
                old, new = (money(queries.euros(v)) if v is not None else None for v in (old, new))
            elif field == "category":
                old, new = (category_label(site, v) if v is not None else None for v in (old, new))
            elif field in ("kind", "status"):
                old, new = (str(words.get(v, v)) if v is not None else None for v in (old, new))
            changes.append((str(names.get(field, field)), old, new))
        out.append({**entry, "changes": changes})
    return out


@bp.get("/sites/<int:site_id>/budget")
@login_required
def show(site_id):
    return _page(site_for(site_id))


@bp.post("/sites/<int:site_id>/budget/lines")
@login_required
def add(site_id):
    site = site_for(site_id, edit=True)
    form = request.form.to_dict()
    try:
        ops.add_line(db_session(), site, kind=form.get("kind", ""), category=form.get("category", ""),
                     label=form.get("label", ""), planned=form.get("planned", ""), funder=form.get("funder"),
                     status=form.get("status") or None, actual=form.get("actual"), actor=actor(), now=now())
    except InputError as exc:
        message = problem_text(exc)
        refuse(message)
        return _page(site, form, message, 400)
    return done("budget.show", site, _("Budget line added."), "lines")


@bp.get("/sites/<int:site_id>/budget/lines/<int:line_id>")
@login_required
def line(site_id, line_id):
    site = site_for(site_id)
    return _line_page(site, owned(ops.get_line, db_session(), site, line_id))


@bp.post("/sites/<int:site_id>/budget/lines/<int:line_id>")
@login_required
def change(site_id, line_id):
    site = site_for(site_id, edit=True)
    row = owned(ops.get_line, db_session(), site, line_id)
    form = request.form.to_dict()
    version = form.get("version", "")
    try:
        ops.change_line(db_session(), site, row, actor=actor(), now=now(),
                        expected_version=inputs.whole(version, "version", 0),
                        **{k: form.get(k, "") for k in LINE_FIELDS})
    except StaleEdit:
        refuse(_("Someone changed this line since you opened it; nothing of yours was saved."))
        db_session().refresh(row)
        return _line_page(site, row, form, _("This line was changed by %(who)s since you opened it; nothing of "
                                             "yours was saved. Your entry is below: compare it with the "
                                             "current values and save again.", who=row.changed_by), 409)
    except InputError as exc:
        message = problem_text(exc)
        refuse(message)
        db_session().refresh(row)
        return _line_page(site, row, form, message, 400)
    return done("budget.show", site, _("Budget line saved."), "lines")
