"""The call (AMI) pages: drafting (needs, realities of the establishment, weighted
criteria, text), publication with the answer-window warning, visits and bilateral
meetings, distribution, and the call document as HTML, PDF or DOCX."""
from __future__ import annotations


from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from setupflow import inputs
from setupflow.calls import operations as ops
from setupflow.calls import queries
from setupflow.calls.document import FORMATS, render_call
from setupflow.calls.models import Call
from setupflow.committees.attendance import held_meetings
from setupflow.errors import InputError, StaleEdit
from setupflow.lifecycles import CALLS
from setupflow.sites.runtime import workflow_of

from ..db import db_session, settings
from ..i18n import current_language
from ..problems import explain, term
from ..work_pages import actor, can_edit, done, now, problem_text, refuse, site_for

bp = Blueprint("calls", __name__)
MIMETYPES = {"html": "text/html", "pdf": "application/pdf",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def call_of(site, call_id) -> Call:
    """The call if it belongs to this site; 404 otherwise (another site's call id included)."""
    call = db_session().get(Call, call_id)
    if call is None or call.site_id != site.id:
        abort(404)
    return call


def call_page(site, call, form=None, error=None, status=200):
    spec = ops.spec_of(site, call.call_key)
    selection_kind = workflow_of(site).decision(spec.selection_decision)
    meetings = held_meetings(db_session(), site, selection_kind.taken_in) if selection_kind.taken_in else []
    return render_template("calls/call.html", site=site, call=call, spec=spec, info=queries.describe_call(call),
                           selection_kind=selection_kind, meetings=meetings,
                           ranking=queries.ranking(call), scores=_grid(call), scorers=_scorers(site, call),
                           missing=[term(f"call.missing.{m}") for m in ops.drafting_problems(call)],
                           can_edit=can_edit(site), form=form or {}, error=error,
                           lang=current_language(), formats=FORMATS, max_score=spec.max_score,
                           state=ops.state_of(call, now()), allowed=CALLS.allowed(ops.state_of(call, now()))), status


def _grid(call) -> dict:
    """{application id: {member: {criterion: score}}}: the scoring grid of each application;
    a sheet whose member was written in free text before the rule says so."""
    grid: dict = {}
    for application in call.applications:
        for s in application.scores:
            name = s.member_name if s.person is not None else _("%(name)s (recorded before the rule)", name=s.member)
            grid.setdefault(application.id, {}).setdefault(name, {})[s.criterion] = s.score
    return grid


def _scorers(site, call) -> list:
    """The people who may score today: the members of the committee that selects."""
    from setupflow.calls.applications import scoring_members
    from setupflow.clock import local_date

    return scoring_members(db_session(), site, call, local_date(now()))


def refused(site, call, exc, form, status=400):
    message = problem_text(exc)
    refuse(message)
    return call_page(site, db_session().get(Call, call.id), form, message, status)


@bp.get("/sites/<int:site_id>/calls")
@login_required
def index(site_id):
    site = site_for(site_id)
    session = db_session()
    calls = session.scalars(select(Call).where(Call.site_id == site.id).order_by(Call.id)).all()
    return render_template("calls/calls.html", site=site, calls=calls, kinds=workflow_of(site).work.calls,
                           can_edit=can_edit(site), lang=current_language())


@bp.post("/sites/<int:site_id>/calls")
@login_required
def create(site_id):
    site = site_for(site_id, edit=True)
    try:
        call = ops.create_call(db_session(), site, request.form.get("call") or None, actor=actor(), now=now(),
                               title=request.form.get("title"))
    except InputError as exc:
        refuse(problem_text(exc))
        return redirect(url_for("calls.index", site_id=site.id), code=303)
    return done("calls.show", site, _("Call drafted from the diagnostic."), call_id=call.id)


@bp.get("/sites/<int:site_id>/calls/<int:call_id>")
@login_required
def show(site_id, call_id):
    from ..applicants.candidate_view import candidate_page, sees_candidates

    site = site_for(site_id)
    call = call_of(site, call_id)
    if not sees_candidates(site):  # a sponsor, a candidate organisation: its own application only
        return candidate_page(site, call)
    return call_page(site, call)


@bp.post("/sites/<int:site_id>/calls/<int:call_id>/text")
@login_required
def edit(site_id, call_id):
    site = site_for(site_id, edit=True)
    call = call_of(site, call_id)
    form = request.form.to_dict()
    version = form.get("version", "")
    try:
        ops.edit_call(db_session(), site, call, actor=actor(), now=now(),
                      expected_version=inputs.whole(version, "version", 0),
                      **{k: (form.get(k) or None) if k == "capacity" else form.get(k, "") for k in ops.EDITABLE})
    except StaleEdit:
        return refused(site, call, _StaleText(call), form, 409)
    except InputError as exc:
        return refused(site, call, exc, form)
    return done("calls.show", site, _("Call saved."), "text", call_id=call.id)


class _StaleText(Exception):
    def __init__(self, call):
        super().__init__(_("The call was changed by %(who)s since you opened it; nothing of yours was saved. "
                           "Your text is below: compare and save again.", who=call.changed_by))


@bp.post("/sites/<int:site_id>/calls/<int:call_id>/weights")
@login_required
def weights(site_id, call_id):
    site = site_for(site_id, edit=True)
    call = call_of(site, call_id)
    form = request.form.to_dict()
    try:
        ops.set_weights(db_session(), site, call, {c["id"]: form.get(f"weight-{c['id']}", "") for c in call.criteria},
                        actor=actor(), now=now())
    except InputError as exc:
        return refused(site, call, exc, form)
    return done("calls.show", site, _("Criteria weights saved."), "criteria", call_id=call.id)


@bp.post("/sites/<int:site_id>/calls/<int:call_id>/distribution")
@login_required
def distribution(site_id, call_id):
    site = site_for(site_id, edit=True)
    call = call_of(site, call_id)
    ops.set_distribution(db_session(), site, call, request.form.get("distribution", "").splitlines(), actor=actor(),
                         now=now())
    return done("calls.show", site, _("Distribution list saved."), "distribution", call_id=call.id)


@bp.post("/sites/<int:site_id>/calls/<int:call_id>/publish")
@login_required
def publish(site_id, call_id):
    site = site_for(site_id, edit=True)
    call = call_of(site, call_id)
    form = request.form.to_dict()
    try:
        warnings = ops.publish_call(db_session(), site, call, published_on=form.get("published_on", ""),
                                    closes_on=form.get("closes_on", ""), actor=actor(), now=now())
    except InputError as exc:
        return refused(site, call, exc, form)
    for warning in warnings:
        flash(_("Warning: %(advice)s", advice=explain(warning)), "error")
    return done("calls.show", site, _("Call published."), "publication", call_id=call.id)


@bp.post("/sites/<int:site_id>/calls/<int:call_id>/extend")
@login_required
def extend(site_id, call_id):
    """The same as ``setupflow calls extend``: a later closing date, with a reason."""
    site = site_for(site_id, edit=True)
    call = call_of(site, call_id)
    form = request.form.to_dict()
    try:
        ops.extend_call(db_session(), site, call, form.get("closes_on", ""), form.get("reason", ""), actor=actor(),
                        now=now())
    except InputError as exc:
        return refused(site, call, exc, form)
    return done("calls.show", site, _("Call extended; the new closing date is announced to its distribution list."),
                "publication", call_id=call.id)


@bp.post("/sites/<int:site_id>/calls/<int:call_id>/slots")
@login_required
def slot(site_id, call_id):
    site = site_for(site_id, edit=True)
    call = call_of(site, call_id)
    form = request.form.to_dict()
    try:
        ops.add_slot(db_session(), site, call, kind=form.get("kind", ""), starts_dt=form.get("starts", ""),
                     place=form.get("place"),
                     organisation=form.get("organisation"), actor=actor(), now=now())
    except InputError as exc:
        return refused(site, call, exc, form)
    return done("calls.show", site, _("Meeting added."), "slots", call_id=call.id)


@bp.get("/sites/<int:site_id>/calls/<int:call_id>/document.<fmt>")
@login_required
def document(site_id, call_id, fmt):
    site = site_for(site_id)
    call = call_of(site, call_id)
    if fmt not in FORMATS:
        abort(404)
    data = render_call(settings().templates_dir, site, call, fmt, current_language())
    return Response(data, mimetype=MIMETYPES[fmt],
                    headers={"Content-Disposition": f"attachment; filename=call-{call.id}.{fmt}"})
