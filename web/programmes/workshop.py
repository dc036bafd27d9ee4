"""A workshop after its opening: its team reports the definition's aggregates each period;
the page shows every period screened (counts of people under 5 as <5) with a chart per
indicator. And the national view: every site and every programme on one page."""
from __future__ import annotations


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select

from setupflow.accounts import access
from setupflow.after_opening import operations as after
from setupflow.errors import InputError
from setupflow.programmes.models import Edition, Laureate

from .. import now
from ..exports import csv_response
from ..auth.session_user import current_account
from ..db import catalog as site_catalog
from ..db import db_session, discard_changes
from ..i18n import current_language
from ..problems import explain
from ..work_pages import site_for
from .chart import bar_chart

bp = Blueprint("workshop", __name__)


@bp.app_context_processor
def _open():
    return {"workshop_is_open": after.is_open}


@bp.get("/sites/<int:site_id>/after-opening")
@login_required
def show(site_id):
    site = site_for(site_id)
    spec = after.spec_of(site)
    if spec is None:
        abort(404)
    lang = current_language()
    rows = after.figures(db_session(), spec, {site.id: site.name}, lang)
    return render_template("programmes/workshop.html", site=site, spec=spec, rows=rows, lang=lang,
                           charts={r["id"]: bar_chart([(p["period"], p["value"], p["count"]) for p in r["periods"]])
                                   for r in rows},
                           reports=after.reported_periods(db_session(), site), is_open=after.is_open(site),
                           can_report=access.can_tick_tasks(current_account(), site),
                           suggested=after.last_closed_period(spec.period, now().date()))


@bp.post("/sites/<int:site_id>/after-opening/reports")
@login_required
def report(site_id):
    site = site_for(site_id)
    if not access.can_tick_tasks(current_account(), site):
        abort(403)
    spec = after.spec_of(site)
    if spec is None:
        abort(404)
    try:
        after.report(db_session(), site, period=request.form.get("period", ""), actor=access.actor_of(current_account()),
                     values={i.id: request.form.get(i.id, "") for i in spec.indicators}, now=now(),
                     comment=request.form.get("comment"))
    except InputError as exc:
        discard_changes()
        flash(explain(exc), "error")
    else:
        flash(_("The figures are recorded."), "info")
    return redirect(url_for("workshop.show", site_id=site.id), code=303)


def _national(session, lang):
    """Counts by stage and by programme, and the opened workshops' figures by region and department."""
    sites = session.scalars(access.visible_sites_query(current_account())).all()
    by_stage: dict = {}
    for site in sites:
        by_stage[site.stage] = by_stage.get(site.stage, 0) + 1
    programmes = session.execute(select(Edition.programme_id, func.count(func.distinct(Edition.id)),
                                        func.count(Laureate.id)).outerjoin(Laureate, Laureate.edition_id == Edition.id)
                                 .group_by(Edition.programme_id).order_by(Edition.programme_id)).all()
    spec = next((lw.workflow.after_opening for lw in site_catalog() if lw.workflow.after_opening), None)
    opened = [s for s in sites if after.is_open(s)] if spec else []
    groups = {}
    for key in ("region", "department"):
        names = {}
        for s in opened:
            names.setdefault(getattr(s, key) or "-", []).append(s.id)
        groups[key] = names
    figures = after.figures(session, spec, {s.id: s.name for s in opened}, lang) if spec else []
    # the same screen for every grouping: one line per region or department, totals unchanged
    grouped = {}
    for key, names in groups.items():
        from setupflow.programmes.queries import screen

        rows = []
        by_site, _ = after.raw(session, [s.id for s in opened])
        for indicator in (spec.indicators if spec else ()):
            counts = {}
            for name, ids in names.items():
                values = [by_site.get(indicator.id, {}).get(i) for i in ids]
                values = [v for v in values if v is not None]
                if values:
                    counts[name] = (round(sum(v[1] for v in values) / len(values)) if indicator.aggregate == "mean"
                                    else sum(v[0] for v in values))
            shown = screen(counts, spec.suppress_below, indicator.about_people)
            rows.append({"label": indicator.label.get(lang), "cells": {n: shown.get(n, "-") for n in sorted(names)}})
        grouped[key] = {"names": sorted(names), "rows": rows}
    return {"by_stage": by_stage, "programmes": programmes, "figures": figures, "grouped": grouped,
            "sites": len(sites), "opened": len(opened)}


@bp.get("/national")
@login_required
def national():
    if current_account().role != "admin":
        abort(403)
    lang = current_language()
    data = _national(db_session(), lang)
    from setupflow.definitions.programmes import load_programmes  # noqa: F401
    from .routes import catalog as programme_catalog

    titles = {p.id: p.title.get(lang) for p in programme_catalog()}
    return render_template("programmes/national.html", data=data, titles=titles, lang=lang)


@bp.get("/national.csv")
@login_required
def national_csv():
    if current_account().role != "admin":
        abort(403)
    data = _national(db_session(), current_language())
    rows = [(key, name, row["label"], value) for key, group in data["grouped"].items()
            for row in group["rows"] for name, value in row["cells"].items()]
    return csv_response(("grouping", "name", "indicator", "value"), rows, "vue-nationale.csv")
