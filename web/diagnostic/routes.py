"""The diagnostic page: sources checklist, aggregate indicators (small counts shown as
"<5"), interviews, initiatives, conclusions, and the structure-type choice."""
from __future__ import annotations


from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from setupflow.committees.attendance import held_meetings
from setupflow.diagnostic import operations as ops
from setupflow.diagnostic import queries
from setupflow.diagnostic.models import AUDIENCES, FORMATS, SOURCE_STATUSES
from setupflow.errors import InputError, NotFound
from setupflow.sites import operations as site_ops
from setupflow.sites.runtime import workflow_of

from ..db import db_session
from ..i18n import current_language
from ..exports import csv_response
from ..work_pages import actor, can_edit, done, now, problem_text, refuse, site_for

bp = Blueprint("diagnostic", __name__)

FIELDS = {"provider": _l("Provider"), "note": _l("Note"), "themes": _l("Themes raised"),
          "summary": _l("Summary"), "name": _l("Name"), "description": _l("Description"),
          "conclusions": _l("Conclusions"), "rationale": _l("Rationale"), "label": _l("Label"),
          "category": _l("Category"), "statement": _l("Starting hypothesis"), "finding": _l("What was found")}
STATUS_LABELS = {"to_request": _l("To request"), "requested": _l("Requested"), "obtained": _l("Obtained"),
                 "unavailable": _l("Unavailable")}
AUDIENCE_LABELS = {"professionals": _l("Professionals"), "detainees": _l("Detainees")}
FORMAT_LABELS = {"individual": _l("Individual"), "group": _l("Group")}
HYPOTHESIS_LABELS = {"open": _l("Open hypothesis"), "confirmed": _l("Confirmed"), "refuted": _l("Refuted")}


def _page(site, form=None, error=None, status=200):
    lang = current_language()
    spec = ops.spec_of(site)
    workflow = workflow_of(site)
    structure = workflow.decision(spec.structure_decision)
    meetings = held_meetings(db_session(), site, structure.taken_in) if structure.taken_in else []
    return render_template(
        "diagnostic/diagnostic.html", site=site, spec=spec, lang=lang, data=queries.summary(db_session(), site, lang),
        structure=structure, structure_now=site_ops.current_decisions(db_session(), site).get(structure.id),
        statuses=SOURCE_STATUSES, status_labels=STATUS_LABELS, audiences=AUDIENCES, formats=FORMATS,
        audience_labels=AUDIENCE_LABELS, format_labels=FORMAT_LABELS, can_edit=can_edit(site),
        hypothesis_labels=HYPOTHESIS_LABELS,
        source_labels={s.id: s.label.get(lang) for s in spec.sources},
        kind_labels={k.id: k.label.get(lang) for k in spec.initiative_kinds},
        form=form or {}, error=error, meetings=meetings), status


def _refused(site, exc, form, anchor):
    message = problem_text(exc, FIELDS)
    refuse(message)
    return _page(site, {**form, "_anchor": anchor}, message, 400)


@bp.get("/sites/<int:site_id>/diagnostic")
@login_required
def show(site_id):
    return _page(site_for(site_id))


@bp.post("/sites/<int:site_id>/diagnostic/sources")
@login_required
def sources(site_id):
    site = site_for(site_id, edit=True)
    form = request.form.to_dict()
    current = {s["key"]: s for s in queries.sources(db_session(), site, current_language())}
    for key, now_is in current.items():
        wanted = (form.get(f"status-{key}", now_is["status"]), form.get(f"obtained-{key}") or None,
                  (form.get(f"provider-{key}") or "").strip() or None)
        if wanted == (now_is["status"], now_is["obtained_on"], now_is["provider"]):
            continue  # unchanged: no history entry
        try:
            ops.set_source(db_session(), site, key, status=wanted[0], obtained_on=wanted[1], provider=wanted[2],
                           actor=actor(), now=now())
        except InputError as exc:
            message = _("%(source)s: %(problem)s", source=now_is["label"], problem=problem_text(exc, FIELDS))
            refuse(message)
            return _page(site, {**form, "_anchor": "sources"}, message, 400)
    return done("diagnostic.show", site, _("Data sources saved."), "sources")


@bp.post("/sites/<int:site_id>/diagnostic/indicators")
@login_required
def indicator(site_id):
    site = site_for(site_id, edit=True)
    form = request.form.to_dict()
    dimension = form.get("dimension", "")
    dim = next((d for d in ops.spec_of(site).dimensions if d.id == dimension), None)
    try:
        if dim is None:
            raise InputError(code="choice.invalid", field="dimension", value=dimension,
                             allowed=[d.id for d in ops.spec_of(site).dimensions])
        cells = {c.id: form.get(f"count-{c.id}", "").strip() or "0" for c in dim.categories}
        ops.set_indicator(db_session(), site, dimension, cells, actor=actor(), now=now(),
                          source_key=form.get("source") or None, as_of_on=_month(form.get("as_of")))
    except InputError as exc:
        return _refused(site, exc, form, "indicators")
    return done("diagnostic.show", site, _("Indicator saved."), "indicators")


def _month(value):
    value = (value or "").strip()
    return f"{value}-01" if len(value) == 7 else value or None


@bp.post("/sites/<int:site_id>/diagnostic/interviews")
@login_required
def interview(site_id):
    site = site_for(site_id, edit=True)
    form = request.form.to_dict()
    try:
        ops.log_interview(db_session(), site, held_on=form.get("held_on", ""), audience=form.get("audience", ""),
                          format=form.get("format", ""), participants=form.get("participants", ""),
                          themes=form.get("themes", "").splitlines(), summary=form.get("summary"),
                          actor=actor(), now=now())
    except InputError as exc:
        return _refused(site, exc, form, "interviews")
    return done("diagnostic.show", site, _("Interview recorded."), "interviews")


@bp.post("/sites/<int:site_id>/diagnostic/initiatives")
@login_required
def initiative(site_id):
    site = site_for(site_id, edit=True)
    form = request.form.to_dict()
    try:
        ops.add_initiative(db_session(), site, name=form.get("name", ""), kind=form.get("kind", ""),
                           description=form.get("description"), actor=actor(), now=now())
    except InputError as exc:
        return _refused(site, exc, form, "initiatives")
    return done("diagnostic.show", site, _("Initiative recorded."), "initiatives")


@bp.post("/sites/<int:site_id>/diagnostic/conclusions")
@login_required
def conclusions(site_id):
    site = site_for(site_id, edit=True)
    form = request.form.to_dict()
    try:
        ops.write_conclusions(db_session(), site, form.get("conclusions", ""), actor=actor(), now=now())
    except InputError as exc:
        return _refused(site, exc, form, "conclusions")
    return done("diagnostic.show", site, _("Conclusions saved."), "conclusions")


@bp.post("/sites/<int:site_id>/diagnostic/hypotheses")
@login_required
def hypothesis(site_id):
    site = site_for(site_id, edit=True)
    form = request.form.to_dict()
    try:
        ops.add_hypothesis(db_session(), site, form.get("statement", ""), actor=actor(), now=now())
    except InputError as exc:
        return _refused(site, exc, form, "hypotheses")
    return done("diagnostic.show", site, _("Starting hypothesis recorded."), "hypotheses")


@bp.post("/sites/<int:site_id>/diagnostic/hypotheses/<int:hypothesis_id>")
@login_required
def settle(site_id, hypothesis_id):
    site = site_for(site_id, edit=True)
    try:
        ops.get_hypothesis(db_session(), site, hypothesis_id)
    except NotFound:
        abort(404)  # another site's hypothesis is not named here
    form = request.form.to_dict()
    try:
        ops.settle_hypothesis(db_session(), site, hypothesis_id, form.get("status", ""), finding=form.get("finding"),
                              actor=actor(), now=now())
    except InputError as exc:
        return _refused(site, exc, {**form, "_hypothesis": str(hypothesis_id)}, f"hypothesis-{hypothesis_id}")
    return done("diagnostic.show", site, _("Starting hypothesis updated."), f"hypothesis-{hypothesis_id}")


@bp.post("/sites/<int:site_id>/diagnostic/structure")
@login_required
def structure(site_id):
    site = site_for(site_id, edit=True)
    form = request.form.to_dict()
    try:
        ops.choose_structure(db_session(), site, form.get("structure", ""), form.get("rationale", ""),
                             actor=actor(), now=now(), supersede_reason=form.get("supersede_reason") or None,
                             meeting=form.get("meeting") or None)
    except InputError as exc:
        return _refused(site, exc, form, "structure")
    return done("diagnostic.show", site, _("Structure type recorded."), "structure")


@bp.get("/sites/<int:site_id>/diagnostic/indicators.csv")
@login_required
def export_csv(site_id):
    """The indicators as shown on the page: small counts suppressed, formulas neutralised."""
    site = site_for(site_id)
    rows = []
    for table in queries.indicators(db_session(), site, current_language()):
        for cell in table["cells"]:
            rows.append((table["label"], cell["label"], cell["count"], table["source"], table["as_of"]))
        rows.append((table["label"], _("Total"), table["total"], table["source"], table["as_of"]))
    return csv_response([_("Dimension"), _("Category"), _("Count"), _("Source"), _("Month")], rows,
                        f"diagnostic-{site.id}.csv")
