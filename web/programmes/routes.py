"""The programme pages: the list, a programme (its editions, totals, each laureate's line,
a chart per indicator with its table), an edition (call steps, applications, scores,
committee meetings, selection, laureates, figures, review), and a laureate's own page
where it reports its figures. Every URL names the programme; a person with no part in it
gets 404, and each part sees only what ``setupflow.programmes.access`` allows."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from setupflow.clock import parse_instant
from setupflow.definitions.programmes import load_programmes
from setupflow.errors import InputError, NotFound
from setupflow.programmes import operations as ops
from setupflow.programmes.access import scope_of, visible_edition, visible_laureate, visible_programme_ids
from setupflow.committees.models import Meeting
from setupflow.programmes.models import Edition, Laureate, ProgrammeApplication, ProgrammeDecision
from setupflow.programmes.queries import FIGURES_HEADER, figures, figures_rows, own_reports
from setupflow.programmes.review import render_review

from .. import now
from ..exports import csv_response
from ..auth.session_user import current_account
from ..db import db_session, discard_changes, settings
from ..i18n import current_language
from ..problems import explain
from .chart import bar_chart

bp = Blueprint("programmes", __name__)
#: the lifecycles' states and the meetings' kinds, in the reader's words
LABELS = {"draft": _l("draft"), "call_open": _l("call open"), "selection": _l("selection"),
          "accompaniment": _l("accompaniment"), "closed": _l("closed"), "received": _l("received"),
          "full_file_requested": _l("full file requested"), "full_file": _l("full file received"),
          "selected": _l("selected"), "declined": _l("not selected"), "collective_day": _l("collective day"),
          "co_development": _l("co-development session"), "event": _l("event"), "follow_up": _l("follow-up"),
          "scheduled": _l("scheduled"), "held": _l("held"), "missed": _l("missed"), "cancelled": _l("cancelled"),
          "minutes_approved": _l("minutes approved"), "selection_meeting": _l("selection committee")}


@bp.app_context_processor
def _labels():
    return {"programme_label": lambda key: str(LABELS.get(key, key))}
MIMETYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def catalog():
    if "setupflow_programmes" not in current_app.extensions:
        current_app.extensions["setupflow_programmes"] = load_programmes(settings().workflow_dirs)
    return current_app.extensions["setupflow_programmes"]


def _actor():
    from setupflow.accounts.access import actor_of

    return actor_of(current_account())


def programme_and_scope(programme_id):
    """The programme and the person's part in it; 404 for an unknown programme or no part."""
    if programme_id not in catalog():
        abort(404)
    try:
        return catalog().get(programme_id), scope_of(db_session(), current_account(), programme_id)
    except NotFound:
        abort(404)


def edition_for(scope, edition_id):
    try:
        return visible_edition(db_session(), scope, edition_id)
    except NotFound:
        abort(404)


def owned(getter, *args):
    try:
        return getter(*args)
    except NotFound:
        abort(404)


def managed_edition(programme_id, edition_id):
    """The programme and its edition, for a change only the programme's managers make:
    404 for what the person may not see, then 403 unless they manage the programme."""
    programme, edition, _none = _managed(programme_id, edition_id, None, None)
    return programme, edition


def managed_object(programme_id, edition_id, getter, object_id):
    """The programme, its edition and an object of that edition (``getter``: its
    application, meeting...), for a change only the managers make: 404 for what the person
    may not see or is not of this edition, then 403 unless they manage the programme."""
    return _managed(programme_id, edition_id, getter, object_id)


def _managed(programme_id, edition_id, getter, object_id):
    programme, scope = programme_and_scope(programme_id)
    edition = edition_for(scope, edition_id)
    found = owned(getter, db_session(), edition, object_id) if getter else None
    if not scope.can_manage:
        abort(403)
    return programme, edition, found


def back_to_edition(programme, edition, message, anchor=""):
    flash(message, "info")
    return redirect(url_for("programmes.edition", programme_id=programme.id, edition_id=edition.id)
                    + (f"#{anchor}" if anchor else ""), code=303)


def refused(programme, edition, exc, anchor=""):
    discard_changes()
    flash(explain(exc), "error")
    target = url_for("programmes.edition", programme_id=programme.id, edition_id=edition.id)
    return redirect(target + (f"#{anchor}" if anchor else ""), code=303)


#: laureate lines on one page of a figures table
PER_PAGE = 50
#: periods drawn on the programme page's charts
RECENT_PERIODS = 16


def paged(rows):
    """The figures with one page of laureate lines (the screen was computed over all of them)."""
    text = (request.args.get("page") or "1").strip()
    page = int(text) if text.isdecimal() and len(text) <= 6 and int(text) >= 1 else 1
    count = len(rows[0]["lines"]) if rows else 0
    pages = max(1, -(-count // PER_PAGE))
    page = min(page, pages)
    start = (page - 1) * PER_PAGE
    return [{**r, "lines": r["lines"][start:start + PER_PAGE]} for r in rows], page, pages


def charts_for(rows):
    return {row["id"]: bar_chart([(p["period"], p["value"], p["count"]) for p in row["periods"]]) for row in rows}


@bp.get("/programmes")
@login_required
def index():
    session = db_session()
    ids = visible_programme_ids(session, current_account(), [p.id for p in catalog()])
    editions = session.scalars(select(Edition).where(Edition.programme_id.in_(ids))
                               .order_by(Edition.starts_on.desc())).all() if ids else []
    return render_template("programmes/index.html", programmes=[catalog().get(i) for i in ids], editions=editions,
                           lang=current_language())


@bp.get("/programmes/<programme_id>")
@login_required
def show(programme_id):
    programme, scope = programme_and_scope(programme_id)
    session = db_session()
    editions = [e for e in session.scalars(select(Edition).where(Edition.programme_id == programme.id)
                                           .order_by(Edition.starts_on.desc())) if scope.sees_edition(e)]
    lang = current_language()
    own = next(iter(scope.laureates), None) if not scope.sees_every_line else None
    # names only (no laureate objects): one statement whatever their number
    laureates, counts = {}, {}
    for laureate_id, edition_id, project in session.execute(
            select(Laureate.id, Laureate.edition_id, Laureate.project)
            .where(Laureate.edition_id.in_([e.id for e in editions])).order_by(Laureate.id)):
        counts[edition_id] = counts.get(edition_id, 0) + 1
        if scope.sees_every_line or laureate_id in scope.laureates:
            laureates[laureate_id] = project
    rows = figures(session, programme, [e.id for e in editions], laureates, lang=lang, only_laureate=own)
    table, page, pages = paged(rows)
    # the charts and their tables: the last periods (the edition pages show each edition's whole run)
    recent = [{**r, "periods": r["periods"][-RECENT_PERIODS:]} for r in rows]
    return render_template("programmes/programme.html", programme=programme, scope=scope, editions=editions,
                           counts=counts, rows=recent, table=table, page=page, pages=pages, charts=charts_for(recent),
                           lang=lang,
                           missed=ops_missed(session, programme, editions) if scope.can_manage else [])


def ops_missed(session, programme, editions):
    from setupflow.programmes.queries import missed_follow_ups

    return missed_follow_ups(session, programme, [e.id for e in editions])


@bp.post("/programmes/<programme_id>/editions")
@login_required
def open_edition(programme_id):
    programme, scope = programme_and_scope(programme_id)
    if not scope.can_manage:
        abort(403)
    try:
        edition = ops.open_edition(db_session(), programme, label=request.form.get("label", ""),
                                   starts_on=request.form.get("starts_on", ""), actor=_actor(), now=now())
    except InputError as exc:
        discard_changes()
        flash(explain(exc), "error")
        return redirect(url_for("programmes.show", programme_id=programme.id), code=303)
    return back_to_edition(programme, edition, _("The edition is open, in draft."))


@bp.get("/programmes/<programme_id>/editions/<int:edition_id>")
@login_required
def edition(programme_id, edition_id):
    programme, scope = programme_and_scope(programme_id)
    edition = edition_for(scope, edition_id)
    session = db_session()
    # every application with its scores, and the laureates, in three statements whatever their number
    session.scalars(select(Edition).where(Edition.id == edition.id).options(
        selectinload(Edition.applications).selectinload(ProgrammeApplication.scores),
        selectinload(Edition.laureates))).all()
    lang = current_language()
    sees_all = scope.sees_every_line
    laureates = {lt.id: lt.project for lt in edition.laureates if sees_all or lt.id in scope.laureates}
    own = None if sees_all else next((i for i in laureates), None)
    rows = figures(session, programme, [edition.id], laureates, lang=lang, only_laureate=own)
    applications = edition.applications if scope.sees_applications(edition) else []
    meetings = session.scalars(select(Meeting).where(Meeting.edition_id == edition.id)
                               .order_by(Meeting.starts_dt, Meeting.id)).all()
    # a laureate sees its own follow-ups and the collective times, never another's
    meetings = [m for m in meetings if scope.sees_meeting(edition, m)]
    decisions = session.scalars(select(ProgrammeDecision).where(ProgrammeDecision.edition_id == edition.id)).all() \
        if scope.sees_every_line or edition.id in scope.committee_editions else []
    return render_template("programmes/edition.html", programme=programme, edition=edition, scope=scope,
                           windows=ops.step_windows(programme, edition), applications=applications,
                           ranking=ops.ranking(programme, edition) if applications else [],
                           complete={a.id for a in applications if ops.at_last_step(programme, a)},
                           meetings=meetings, decisions=decisions, laureates=edition.laureates, visible=laureates,
                           rows=rows, table=paged(rows)[0], charts=charts_for(rows), lang=lang,
                           seats=programme.committee.seats,
                           allowed=ops.EDITIONS.allowed(edition.status),
                           themes={**{d.id: d.theme.get(lang) for d in programme.accompaniment.collective_days},
                                   **{e.id: e.label.get(lang) for e in programme.accompaniment.events}})


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/publish")
@login_required
def publish(programme_id, edition_id):
    programme, edition = managed_edition(programme_id, edition_id)
    try:
        ops.publish_call(db_session(), programme, edition, published_on=request.form.get("published_on", ""),
                         actor=_actor(), now=now())
    except InputError as exc:
        return refused(programme, edition, exc, "call")
    return back_to_edition(programme, edition, _("The call is published."), "call")


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/weights")
@login_required
def weights(programme_id, edition_id):
    """The criteria's weights, editable until the call is published (``ops.set_weights``)."""
    programme, scope = programme_and_scope(programme_id)
    edition = edition_for(scope, edition_id)
    if not scope.can_manage:
        abort(403)
    given = {c["id"]: request.form.get(f"weight_{c['id']}", "") for c in edition.criteria}
    try:
        ops.set_weights(db_session(), edition, given, actor=_actor(), now=now())
    except InputError as exc:
        return refused(programme, edition, exc, "call")
    return back_to_edition(programme, edition, _("The weights are saved."), "call")


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/applications")
@login_required
def apply(programme_id, edition_id):
    programme, edition = managed_edition(programme_id, edition_id)
    step = programme.call.steps[0]
    answers = {f.id: request.form.get(f.id, "") for f in step.fields if f.kind != "file"}
    try:
        ops.add_application(db_session(), programme, edition, answers=answers, actor=_actor(), now=now(),
                            received_on=request.form.get("received_on") or None)
    except InputError as exc:
        return refused(programme, edition, exc, "applications")
    return back_to_edition(programme, edition, _("The application is recorded."), "applications")


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/applications/<int:application_id>/full-file-request")
@login_required
def request_full_file(programme_id, edition_id, application_id):
    programme, edition, application = managed_object(programme_id, edition_id, ops.get_application, application_id)
    try:
        ops.request_full_file(db_session(), programme, edition, application, actor=_actor(), now=now())
    except InputError as exc:
        return refused(programme, edition, exc, "applications")
    return back_to_edition(programme, edition, _("The full file is requested."), "applications")


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/applications/<int:application_id>/full-file")
@login_required
def full_file(programme_id, edition_id, application_id):
    programme, edition, application = managed_object(programme_id, edition_id, ops.get_application, application_id)
    try:
        step = programme.call.step(application.step)
        answers = {f.id: request.form.get(f.id, "") for f in step.fields if f.kind != "file"}
        ops.submit_full_file(db_session(), programme, edition, application, answers=answers, actor=_actor(),
                             now=now(), received_on=request.form.get("received_on") or None)
    except InputError as exc:
        return refused(programme, edition, exc, "applications")
    return back_to_edition(programme, edition, _("The full file is recorded."), "applications")


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/applications/<int:application_id>/scores")
@login_required
def score(programme_id, edition_id, application_id):
    programme, scope = programme_and_scope(programme_id)
    edition = edition_for(scope, edition_id)
    if not scope.scores(edition):
        abort(404 if not scope.sees_applications(edition) else 403)
    application = owned(ops.get_application, db_session(), edition, application_id)
    scores = {c["id"]: request.form[f"score_{c['id']}"] for c in edition.criteria
              if request.form.get(f"score_{c['id']}", "").strip()}
    # a committee member scores in their own name; staff record a member's scores for them
    member = current_account().display_name if not scope.can_manage else (request.form.get("member") or "")
    try:
        ops.score(db_session(), programme, edition, application, member=member, scores=scores, actor=_actor(),
                  now=now())
    except InputError as exc:
        return refused(programme, edition, exc, "ranking")
    return back_to_edition(programme, edition, _("The scores are recorded."), "ranking")


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/meetings")
@login_required
def schedule(programme_id, edition_id):
    programme, edition = managed_edition(programme_id, edition_id)
    session = db_session()
    try:
        try:
            starts = parse_instant(f"{request.form.get('day', '')}T{request.form.get('time', '')}")
        except ValueError:
            raise InputError(code="datetime.invalid", field="day",
                             value=f"{request.form.get('day', '')} {request.form.get('time', '')}") from None
        laureate_id = request.form.get("laureate")
        laureate = owned(ops.get_laureate, session, edition, laureate_id) if laureate_id else None
        ops.schedule_meeting(session, programme, edition, kind=request.form.get("kind", ""), starts_dt=starts,
                             now=now(), key=request.form.get("key") or None, laureate=laureate,
                             place=request.form.get("place"), video_url=request.form.get("video"))
    except InputError as exc:
        return refused(programme, edition, exc, "meetings")
    return back_to_edition(programme, edition, _("The meeting is scheduled."), "meetings")


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/selection")
@login_required
def selection(programme_id, edition_id):
    programme, edition = managed_edition(programme_id, edition_id)
    session = db_session()
    meeting = owned(ops.get_meeting, session, edition, request.form.get("meeting"))
    try:
        ops.select_laureates(session, programme, edition, meeting, request.form.getlist("applications"),
                             actor=_actor(), now=now(), text=request.form.get("text"))
    except InputError as exc:
        return refused(programme, edition, exc, "selection")
    return back_to_edition(programme, edition, _("The selection is recorded; the laureates are listed."), "laureates")


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/accompaniment")
@login_required
def plan(programme_id, edition_id):
    programme, edition = managed_edition(programme_id, edition_id)
    try:
        ops.plan_accompaniment(db_session(), programme, edition, starts_on=request.form.get("starts_on", ""),
                               now=now())
    except InputError as exc:
        return refused(programme, edition, exc, "meetings")
    return back_to_edition(programme, edition, _("The accompaniment is planned."), "meetings")


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/review/<section>")
@login_required
def review_text(programme_id, edition_id, section):
    programme, edition = managed_edition(programme_id, edition_id)
    try:
        ops.set_review_text(db_session(), programme, edition, section, request.form.get("text", ""), actor=_actor(),
                            now=now())
    except InputError as exc:
        return refused(programme, edition, exc, "review")
    return back_to_edition(programme, edition, _("The text of the review is saved."), "review")


@bp.get("/programmes/<programme_id>/editions/<int:edition_id>/review.<fmt>")
@login_required
def review(programme_id, edition_id, fmt):
    programme, scope = programme_and_scope(programme_id)
    edition = edition_for(scope, edition_id)
    if fmt not in MIMETYPES:
        abort(404)
    if not scope.sees_every_line:  # the review has every laureate's line
        abort(403)
    data = render_review(db_session(), programme, edition, fmt=fmt, lang=current_language(),
                         templates_dir=settings().templates_dir)
    response = Response(data, mimetype=MIMETYPES[fmt])
    if fmt != "html":
        response.headers["Content-Disposition"] = f'attachment; filename="bilan-{programme.id}-{edition.id}.{fmt}"'
    return response


@bp.get("/programmes/<programme_id>/editions/<int:edition_id>/figures.csv")
@login_required
def figures_export(programme_id, edition_id):
    programme, scope = programme_and_scope(programme_id)
    edition = edition_for(scope, edition_id)
    laureates = {lt.id: lt.project for lt in edition.laureates if scope.sees_every_line or lt.id in scope.laureates}
    own = None if scope.sees_every_line else next(iter(laureates), None)
    rows = figures(db_session(), programme, [edition.id], laureates, lang=current_language(), only_laureate=own)
    return csv_response(FIGURES_HEADER, figures_rows(rows), f"chiffres-{programme.id}-{edition.id}.csv")


@bp.get("/programmes/<programme_id>/editions/<int:edition_id>/laureates/<int:laureate_id>")
@login_required
def laureate(programme_id, edition_id, laureate_id):
    programme, scope = programme_and_scope(programme_id)
    edition = edition_for(scope, edition_id)
    session = db_session()
    try:
        row = visible_laureate(session, scope, edition, laureate_id)
    except NotFound:
        abort(404)
    follow_ups = session.scalars(select(Meeting).where(Meeting.laureate_id == row.id)
                                 .order_by(Meeting.starts_dt, Meeting.id)).all()
    return render_template("programmes/laureate.html", programme=programme, edition=edition, laureate=row,
                           scope=scope, reports=own_reports(session, programme, row), follow_ups=follow_ups,
                           lang=current_language(), can_report=scope.reports_for(row))


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/laureates/<int:laureate_id>/reports")
@login_required
def report(programme_id, edition_id, laureate_id):
    programme, scope = programme_and_scope(programme_id)
    edition = edition_for(scope, edition_id)
    session = db_session()
    try:
        row = visible_laureate(session, scope, edition, laureate_id)
    except NotFound:
        abort(404)
    if not scope.reports_for(row):
        abort(403)
    values = {i.id: request.form.get(i.id, "") for i in programme.indicators}
    target = url_for("programmes.laureate", programme_id=programme.id, edition_id=edition.id, laureate_id=row.id)
    try:
        ops.report(session, programme, edition, row, period=request.form.get("period", ""), values=values,
                   actor=_actor(), now=now(), comment=request.form.get("comment"))
    except InputError as exc:
        discard_changes()
        flash(explain(exc), "error")
        return redirect(target, code=303)
    flash(_("The figures are recorded."), "info")
    return redirect(target, code=303)
