"""The support page: the workstreams' checklists, the supervisors' immersion, the DUI's
signature circuit (in order, against its planned window) and the confirmed opening date.
Once the gate is met, the site advances to opened from the site page."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from setupflow.clock import local_date
from setupflow.errors import InputError
from setupflow.sites import operations as site_ops
from setupflow.sites.runtime import workflow_of
from setupflow.support import operations as ops
from setupflow.support import queries

from ..db import db_session
from ..i18n import current_language
from ..work_pages import actor, can_edit, done, now, problem_text, refuse, site_for

bp = Blueprint("support", __name__)


def _page(site, form=None, error=None, status=200):
    lang = current_language()
    session = db_session()
    spec = ops.spec_of(site)
    decisions = site_ops.current_decisions(session, site)
    opening = decisions.get(spec.opening_decision) if spec.opening_decision else None
    return render_template(
        "support/support.html", site=site, lang=lang, can_edit=can_edit(site), form=form or {}, error=error,
        workstreams=queries.workstreams(session, site, lang), immersion=queries.immersion(session, site),
        dui=queries.dui_status(session, site, local_date(now()), lang), opening=opening,
        opening_kind=workflow_of(site).decision(spec.opening_decision) if spec.opening_decision else None,
        gate=site_ops.gate_of(session, site), is_final=site.stage == workflow_of(site).final.id), status


def _refused(site, exc, form):
    message = problem_text(exc)
    refuse(message)
    return _page(site, form, message, 400)


@bp.get("/sites/<int:site_id>/support")
@login_required
def show(site_id):
    return _page(site_for(site_id))


@bp.post("/sites/<int:site_id>/support/items")
@login_required
def item(site_id):
    site = site_for(site_id, edit=True)
    form = request.form.to_dict()
    try:
        ops.set_item(db_session(), site, form.get("workstream", ""), form.get("item", ""), form.get("done") == "1",
                     actor=actor(), now=now())
    except InputError as exc:
        return _refused(site, exc, form)
    return done("support.show", site, _("Checklist saved."), "workstreams")


@bp.post("/sites/<int:site_id>/support/immersion")
@login_required
def immersion(site_id):
    site = site_for(site_id, edit=True)
    form = request.form.to_dict()
    try:
        ops.set_immersion(db_session(), site, starts_on=form.get("starts_on", ""), ends_on=form.get("ends_on", ""),
                          note=form.get("note"), actor=actor(), now=now())
    except InputError as exc:
        return _refused(site, exc, form)
    return done("support.show", site, _("Immersion period saved."), "immersion")


@bp.post("/sites/<int:site_id>/support/dui")
@login_required
def sign(site_id):
    site = site_for(site_id, edit=True)
    form = request.form.to_dict()
    try:
        ops.sign_dui(db_session(), site, form.get("signatory", ""), signed_on=form.get("signed_on", ""),
                     signed_by=form.get("signed_by", ""), actor=actor(), now=now())
    except InputError as exc:
        return _refused(site, exc, form)
    return done("support.show", site, _("Signature recorded."), "dui")


@bp.post("/sites/<int:site_id>/support/opening")
@login_required
def opening(site_id):
    site = site_for(site_id, edit=True)
    form = request.form.to_dict()
    try:
        ops.confirm_opening(db_session(), site, form.get("opening_on", ""), actor=actor(), now=now(),
                            supersede_reason=form.get("supersede_reason") or None,
                            confirmed=form.get("confirm") == "1")
    except InputError as exc:
        if exc.code == "site.replan_before_earliest":  # asked in a second step, as for a re-planning
            from flask import url_for

            from ..problems import explain

            fields = {k: form.get(k, "") for k in ("opening_on", "supersede_reason")}
            return render_template("sites/confirm.html", heading=site.name, question=explain(exc),
                                   action=url_for("support.opening", site_id=site.id),
                                   cancel=url_for("support.show", site_id=site.id),
                                   button=_("Confirm this opening date"), fields=fields), 409
        return _refused(site, exc, form)
    return done("support.show", site, _("Opening date confirmed."), "opening")
