"""The reviewer's view: a committee member sees the applications of the calls they review
(a site's call whose selecting committee they sit on, a programme edition they are a
committee member of) and no other, declares a conflict of interest on an application, and
scores under their own name; an application they declared a conflict on cannot be scored
(``score.conflict_of_interest``). The ranking says how many members' sheets count."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from setupflow.accounts.access import actor_of
from setupflow.applicants.models import ProgrammeApplicationFile
from setupflow.calls import applications as call_ops
from setupflow.calls.files import file_path
from setupflow.calls.models import ApplicationFile, Call
from setupflow.calls.queries import ranking
from setupflow.errors import InputError, NotFound
from setupflow.programmes import operations as programme_ops
from setupflow.programmes.access import scope_of
from setupflow.programmes.models import Edition
from setupflow.reviews import conflicts
from setupflow.reviews.queries import reviewed_editions, reviewed_site_calls, site_reviewer_name
from setupflow.sites.models import Site

from .. import now
from ..auth.session_user import current_account
from ..db import db_session, discard_changes, settings
from ..i18n import current_language
from ..inputs import content_disposition
from ..problems import explain

bp = Blueprint("reviews", __name__)


@bp.app_context_processor
def _programme_files():
    def programme_application_files(applications) -> dict:
        """{application id: [(file, its download URL)]} of programme applications, in one query."""
        ids = [a.id for a in applications]
        if not ids:
            return {}
        out: dict = {}
        rows = db_session().scalars(select(ProgrammeApplicationFile)
                                    .where(ProgrammeApplicationFile.application_id.in_(ids))
                                    .order_by(ProgrammeApplicationFile.id))
        by_id = {a.id: a for a in applications}
        for row in rows:
            a = by_id[row.application_id]
            out.setdefault(a.id, []).append((row, url_for("reviews.edition_file", edition_id=a.edition_id,
                                                          application_id=a.id, file_id=row.id)))
        return out

    def call_conflicts(application_id) -> list[str]:
        """The members who declared a conflict of interest on a site call's application."""
        from setupflow.reviews.models import ConflictOfInterest

        return sorted(db_session().scalars(select(ConflictOfInterest.member)
                                           .where(ConflictOfInterest.application_id == application_id)))

    return {"programme_application_files": programme_application_files, "call_conflicts": call_conflicts}


@bp.get("/reviews")
@login_required
def index():
    session = db_session()
    return render_template("applicants/reviews.html", calls=reviewed_site_calls(session, current_account(), now()),
                           editions=reviewed_editions(session, current_account()), lang=current_language())


# -- a site's call ----------------------------------------------------------------------------------
def reviewed_call(call_id):
    """The call, its site and the reviewer's name; 404 unless the person sits on its selecting committee."""
    session = db_session()
    call = session.get(Call, call_id)
    if call is None or call.published_on is None:
        abort(404)
    site = session.get(Site, call.site_id)
    name = site_reviewer_name(session, current_account(), site, call, now())
    if name is None:
        abort(404)
    return site, call, name


def _call_application(call, application_id):
    try:
        return call_ops.get_application(db_session(), call, application_id)
    except NotFound:
        abort(404)


@bp.get("/reviews/calls/<int:call_id>")
@login_required
def call(call_id):
    site, call, name = reviewed_call(call_id)
    session = db_session()
    rows = []
    for a in call.applications:
        mine = {s.criterion: s.score for s in a.scores if s.member.casefold() == name.casefold()}
        ids = {"call_id": call.id, "application_id": a.id}
        rows.append({"application": a, "conflict": conflicts.declared(session, name, application=a), "mine": mine,
                     "files": [(f, url_for("reviews.call_file", file_id=f.id, **ids)) for f in a.files],
                     "scores_url": url_for("reviews.call_scores", **ids),
                     "conflict_url": url_for("reviews.call_conflict", **ids)})
    return render_template("applicants/review_call.html", site=site, call=call, name=name, rows=rows,
                           ranking=ranking(call), max_score=_max_score(site, call), lang=current_language())


def _max_score(site, call):
    from setupflow.calls.operations import spec_of

    return spec_of(site, call.call_key).max_score


@bp.post("/reviews/calls/<int:call_id>/applications/<int:application_id>/conflict")
@login_required
def call_conflict(call_id, application_id):
    _site, call, name = reviewed_call(call_id)
    application = _call_application(call, application_id)
    conflicts.declare(db_session(), name, application=application, actor_name=actor_of(current_account()).name,
                      now=now(), reason=request.form.get("reason"))
    flash(_("Your conflict of interest is recorded: you will not score this application."), "info")
    return redirect(url_for("reviews.call", call_id=call.id), code=303)


@bp.post("/reviews/calls/<int:call_id>/applications/<int:application_id>/scores")
@login_required
def call_scores(call_id, application_id):
    site, call, name = reviewed_call(call_id)
    application = _call_application(call, application_id)
    scores = {c["id"]: request.form[f"score-{c['id']}"] for c in call.criteria
              if request.form.get(f"score-{c['id']}", "").strip()}
    try:
        call_ops.score(db_session(), site, call, application, member=name, scores=scores,
                       actor=actor_of(current_account()), now=now())
    except InputError as exc:
        discard_changes()
        flash(explain(exc), "error")
        return redirect(url_for("reviews.call", call_id=call.id), code=303)
    flash(_("Scores recorded."), "info")
    return redirect(url_for("reviews.call", call_id=call.id), code=303)


def _send(row):
    path = file_path(settings().data_dir, row)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=row.content_type, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(row.original_name)
    return response


@bp.get("/reviews/calls/<int:call_id>/applications/<int:application_id>/files/<int:file_id>")
@login_required
def call_file(call_id, application_id, file_id):
    _site, call, _name = reviewed_call(call_id)
    application = _call_application(call, application_id)
    row = db_session().get(ApplicationFile, file_id)
    if row is None or row.application_id != application.id:
        abort(404)
    return _send(row)


# -- a programme edition's call ----------------------------------------------------------------------
def reviewed_edition(edition_id, *, staff_too: bool = False):
    """The programme, the edition and the reviewer's name; 404 unless the person is a committee
    member of this edition (or, with ``staff_too``, manages the programme)."""
    from .routes import programmes

    session = db_session()
    edition = session.get(Edition, edition_id)
    if edition is None or edition.programme_id not in programmes():
        abort(404)
    try:
        scope = scope_of(session, current_account(), edition.programme_id)
    except NotFound:
        abort(404)
    if edition.id not in scope.committee_editions and not (staff_too and scope.can_manage):
        abort(404)
    return programmes().get(edition.programme_id), edition, current_account().display_name


def _programme_application(edition, application_id):
    try:
        return programme_ops.get_application(db_session(), edition, application_id)
    except NotFound:
        abort(404)


@bp.get("/reviews/editions/<int:edition_id>")
@login_required
def edition(edition_id):
    programme, edition, name = reviewed_edition(edition_id)
    session = db_session()
    rows = []
    for a in edition.applications:
        if not programme_ops.at_last_step(programme, a):
            continue  # the committee scores complete applications only
        mine = {s.criterion: s.score for s in a.scores if s.member.casefold() == name.casefold()}
        files = session.query(ProgrammeApplicationFile).filter_by(application_id=a.id).order_by(
            ProgrammeApplicationFile.id).all()
        ids = {"edition_id": edition.id, "application_id": a.id}
        rows.append({"application": a, "conflict": conflicts.declared(session, name, programme_application=a),
                     "mine": mine, "files": [(f, url_for("reviews.edition_file", file_id=f.id, **ids)) for f in files],
                     "scores_url": url_for("reviews.edition_scores", **ids),
                     "conflict_url": url_for("reviews.edition_conflict", **ids)})
    return render_template("applicants/review_edition.html", programme=programme, edition=edition, name=name,
                           rows=rows, ranking=programme_ops.ranking(programme, edition),
                           max_score=programme.call.max_score, lang=current_language())


@bp.post("/reviews/editions/<int:edition_id>/applications/<int:application_id>/conflict")
@login_required
def edition_conflict(edition_id, application_id):
    _programme, edition, name = reviewed_edition(edition_id)
    application = _programme_application(edition, application_id)
    conflicts.declare(db_session(), name, programme_application=application,
                      actor_name=actor_of(current_account()).name, now=now(), reason=request.form.get("reason"))
    flash(_("Your conflict of interest is recorded: you will not score this application."), "info")
    return redirect(url_for("reviews.edition", edition_id=edition.id), code=303)


@bp.post("/reviews/editions/<int:edition_id>/applications/<int:application_id>/scores")
@login_required
def edition_scores(edition_id, application_id):
    programme, edition, name = reviewed_edition(edition_id)
    application = _programme_application(edition, application_id)
    scores = {c["id"]: request.form[f"score-{c['id']}"] for c in edition.criteria
              if request.form.get(f"score-{c['id']}", "").strip()}
    try:
        programme_ops.score(db_session(), programme, edition, application, member=name, scores=scores,
                            actor=actor_of(current_account()), now=now())
    except InputError as exc:
        discard_changes()
        flash(explain(exc), "error")
        return redirect(url_for("reviews.edition", edition_id=edition.id), code=303)
    flash(_("Scores recorded."), "info")
    return redirect(url_for("reviews.edition", edition_id=edition.id), code=303)


@bp.get("/reviews/editions/<int:edition_id>/applications/<int:application_id>/files/<int:file_id>")
@login_required
def edition_file(edition_id, application_id, file_id):
    """A programme application's file: for its edition's committee members and the programme's staff."""
    _programme, edition, _name = reviewed_edition(edition_id, staff_too=True)
    application = _programme_application(edition, application_id)
    row = db_session().get(ProgrammeApplicationFile, file_id)
    if row is None or row.application_id != application.id:
        abort(404)
    return _send(row)
