"""Applications to a call: recording them, their files (checked by content, stored
outside any web root, downloaded as attachments only by people with a right to the
site), the committee members' scores, the ranking and the selection."""
from __future__ import annotations

from flask import abort, request, send_file
from flask_babel import gettext as _
from flask_login import login_required

from setupflow.calls import applications as ops
from setupflow.calls.files import MAX_BYTES, attach_file, file_path
from setupflow.calls.models import ApplicationFile
from setupflow.errors import InputError, NotFound

from ..db import db_session, settings
from ..applicants.candidate_view import own_application_or_404
from ..inputs import content_disposition
from .routes import bp, call_of, refused
from ..work_pages import actor, done, now, owned, site_for

#: what an upload request may weigh: the engine's file limit plus the form around it
UPLOAD_LIMIT = MAX_BYTES + 256 * 1024


def _application(site, call_id, application_id):
    call = call_of(site, call_id)
    return call, owned(ops.get_application, db_session(), call, application_id)


@bp.post("/sites/<int:site_id>/calls/<int:call_id>/applications")
@login_required
def add_application(site_id, call_id):
    site = site_for(site_id, edit=True)
    call = call_of(site, call_id)
    form = request.form.to_dict()
    try:
        ops.add_application(db_session(), site, call, organisation=form.get("organisation", ""),
                            legal_status=form.get("legal_status", ""), activity=form.get("activity", ""),
                            structure_type=form.get("structure_type"), received_on=form.get("received_on") or None,
                            actor=actor(), now=now())
    except InputError as exc:
        return refused(site, call, exc, form)
    return done("calls.show", site, _("Application recorded."), "applications", call_id=call.id)


@bp.post("/sites/<int:site_id>/calls/<int:call_id>/applications/<int:application_id>/files")
@login_required
def upload(site_id, call_id, application_id):
    site = site_for(site_id, edit=True)
    call, application = _application(site, call_id, application_id)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise InputError(code="file.name_required", field="file")
        attach_file(db_session(), site, application, data_dir=settings().data_dir, original_name=upload.filename,
                    data=upload.read(MAX_BYTES + 1), actor=actor(), now=now())
    except InputError as exc:
        return refused(site, call, exc, {})
    return done("calls.show", site, _("File attached."), "applications", call_id=call.id)


@bp.get("/sites/<int:site_id>/calls/<int:call_id>/applications/<int:application_id>/files/<int:file_id>")
@login_required
def download(site_id, call_id, application_id, file_id):
    site = site_for(site_id)
    call, application = _application(site, call_id, application_id)
    own_application_or_404(call, application)  # a candidate downloads its own files only
    row = db_session().get(ApplicationFile, file_id)
    if row is None or row.application_id != application.id:
        abort(404)
    path = file_path(settings().data_dir, row)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=row.content_type, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(row.original_name)  # whatever was stored
    return response


@bp.post("/sites/<int:site_id>/calls/<int:call_id>/applications/<int:application_id>/scores")
@login_required
def score(site_id, call_id, application_id):
    site = site_for(site_id, edit=True)
    call, application = _application(site, call_id, application_id)
    form = request.form.to_dict()
    scores = {c["id"]: form[f"score-{c['id']}"] for c in call.criteria if form.get(f"score-{c['id']}", "").strip()}
    try:
        ops.score(db_session(), site, call, application, member=form.get("member", ""), scores=scores,
                  actor=actor(), now=now())
    except InputError as exc:
        return refused(site, call, exc, form)
    return done("calls.show", site, _("Scores recorded."), "ranking", call_id=call.id)


@bp.post("/sites/<int:site_id>/calls/<int:call_id>/selection")
@login_required
def select(site_id, call_id):
    site = site_for(site_id, edit=True)
    call = call_of(site, call_id)
    form = request.form.to_dict()
    chosen = [i for i in request.form.getlist("application") if i.isdigit()]
    try:
        ops.select_applications(db_session(), site, call, chosen, text=form.get("text"), actor=actor(), now=now(),
                                supersede_reason=form.get("supersede_reason") or None,
                                meeting=form.get("meeting") or None)
    except NotFound:
        abort(404)
    except InputError as exc:
        return refused(site, call, exc, form)
    return done("calls.show", site, _("Selection recorded."), "selection", call_id=call.id)


def upload_limit():
    """Application files may weigh up to the engine's limit; every other request keeps
    MAX_CONTENT_LENGTH. Runs before the CSRF check, which reads the body."""
    if request.endpoint == "calls.upload":
        request.max_content_length = UPLOAD_LIMIT
