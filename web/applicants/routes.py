"""Applying to an open call: the public list of open calls and a public page per call (a
site's AMI, a programme edition's call), an applicant account opened by an e-mailed link,
and the applicant's own candidacies: draft answers, files, submission and status. An
applicant reaches its own candidacies only; anyone else's answers 404."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from setupflow.accounts import throttle
from setupflow.accounts.invitations import send_invitation
from setupflow.applicants import operations as ops
from setupflow.applicants.models import CandidacyFile
from setupflow.calls.files import MAX_BYTES, file_path
from setupflow.calls.models import Application, Call
from setupflow.errors import InputError, NotFound
from setupflow.programmes.models import Edition, ProgrammeApplication
from setupflow.sites.models import Site

from .. import now
from ..auth.invitation import invitation_path
from ..auth.session_user import current_account
from ..db import db_session, discard_changes, settings
from ..i18n import current_language
from ..inputs import content_disposition
from ..problems import explain

bp = Blueprint("applicants", __name__)
#: account requests from one client address per hour (each may send an e-mail)
ACCOUNT_REQUESTS = 10
UPLOAD_ENDPOINTS = ("applicants.upload",)
#: the site call's fields in the reader's words (refusals name them)
_FIELDS = {"structure_type": _l("Structure type proposed")}


def programmes():
    from ..programmes.routes import catalog

    return catalog()


def _site_call(call_id) -> Call:
    """A published site call; 404 for a draft (its text is not public) or no such call."""
    call = db_session().get(Call, call_id)
    if call is None or call.published_on is None:
        abort(404)
    return call


def _edition(edition_id):
    edition = db_session().get(Edition, edition_id)
    if edition is None or edition.call_published_on is None or edition.programme_id not in programmes():
        abort(404)
    return programmes().get(edition.programme_id), edition


def _applying_user():
    return current_account() if current_user.is_authenticated else None


@bp.get("/open-calls")
def open_calls():
    session = db_session()
    sites = [(call, session.get(Site, call.site_id), ops.site_closing(session, call))
             for call in ops.open_site_calls(session, now())]
    editions = [(programme, edition, ops.step_closing(programme, edition, programme.call.steps[0].id))
                for programme, edition in ops.open_editions(session, programmes(), now())]
    return render_template("applicants/open_calls.html", sites=sites, editions=editions, lang=current_language())


@bp.get("/open-calls/sites/<int:call_id>")
def site_call(call_id):
    session = db_session()
    call = _site_call(call_id)
    site = session.get(Site, call.site_id)
    return render_template("applicants/site_call.html", call=call, site=site, closing=ops.site_closing(session, call),
                           is_open=ops.site_call_open(session, call, now()), user=_applying_user(),
                           lang=current_language())


@bp.get("/open-calls/editions/<int:edition_id>")
def edition_call(edition_id):
    programme, edition = _edition(edition_id)
    from setupflow.programmes.operations import step_windows

    return render_template("applicants/edition_call.html", programme=programme, edition=edition,
                           windows=step_windows(programme, edition),
                           closing=ops.step_closing(programme, edition, programme.call.steps[0].id),
                           is_open=ops.step_open(programme, edition, programme.call.steps[0].id, now()),
                           user=_applying_user(), lang=current_language())


@bp.post("/open-calls/account")
def account():
    """An applicant account for this address, and an e-mail with the link to choose its
    password. The answer is the same whether the address had an account or not."""
    back = request.form.get("back") or url_for("applicants.open_calls")
    if not back.startswith("/open-calls"):
        back = url_for("applicants.open_calls")
    session = db_session()
    if throttle.hit(session, f"apply-ip:{request.remote_addr}", now(), timedelta(hours=1)) > ACCOUNT_REQUESTS:
        session.commit()
        abort(429)
    language = request.form.get("language") if request.form.get("language") in ("fr", "en") else current_language()
    try:
        user, _opened = ops.applicant_account(session, email=request.form.get("email", ""),
                                             name=request.form.get("name"), language=language, now=now())
    except InputError as exc:
        discard_changes()
        flash(explain(exc), "error")
        return redirect(back, code=303)
    if user.role == "applicant" and user.is_active:
        try:
            with session.begin_nested():
                send_invitation(session, user, path=invitation_path(user), site_name=None, inviter="setupflow",
                                now=now())
        except IntegrityError:
            pass  # the same link was queued at this very instant: one e-mail is enough
    flash(_("If this address can apply, a link to choose your password has been sent to it. Then log in and "
            "come back to this call to apply."), "info")
    return redirect(back, code=303)


def _start(starter, *args):
    try:
        candidacy = starter(db_session(), current_account(), *args, now())
    except InputError as exc:
        discard_changes()
        flash(explain(exc), "error")
        return None
    return candidacy


@bp.post("/open-calls/sites/<int:call_id>/apply")
@login_required
def start_site(call_id):
    call = _site_call(call_id)
    candidacy = _start(ops.start_site_candidacy, call)
    if candidacy is None:
        return redirect(url_for("applicants.site_call", call_id=call.id), code=303)
    return redirect(url_for("applicants.candidacy", candidacy_id=candidacy.id), code=303)


@bp.post("/open-calls/editions/<int:edition_id>/apply")
@login_required
def start_edition(edition_id):
    programme, edition = _edition(edition_id)
    candidacy = _start(ops.start_programme_candidacy, programme, edition)
    if candidacy is None:
        return redirect(url_for("applicants.edition_call", edition_id=edition.id), code=303)
    return redirect(url_for("applicants.candidacy", candidacy_id=candidacy.id), code=303)


# -- the applicant's own candidacies -------------------------------------------------------------
def own(candidacy_id):
    try:
        return ops.candidacy_of(db_session(), current_account(), candidacy_id)
    except NotFound:
        abort(404)


def _context(candidacy) -> dict:
    """What the candidacy page shows: the call, the status, the step to answer (a programme's),
    the carried-over answers, the files; never anything of another candidate."""
    session = db_session()
    if candidacy.call_id is not None:
        call = session.get(Call, candidacy.call_id)
        application = session.get(Application, candidacy.application_id) if candidacy.application_id else None
        return {"kind": "site", "call": call, "site": session.get(Site, call.site_id), "application": application,
                "closing": ops.site_closing(session, call), "editable": application is None,
                "step": None, "carried": {}, "fields": ops.SITE_FIELDS,
                "answers": candidacy.answers or {}}
    edition = session.get(Edition, candidacy.edition_id)
    programme = programmes().get(edition.programme_id)
    application = (session.get(ProgrammeApplication, candidacy.programme_application_id)
                   if candidacy.programme_application_id else None)
    step = ops.current_step(programme, candidacy, application)
    return {"kind": "programme", "programme": programme, "edition": edition, "application": application,
            "closing": ops.step_closing(programme, edition, step.id) if step else None, "editable": step is not None,
            "step": step, "carried": _labelled(programme, ops.carried_over(programme, application, step)),
            "answers": (candidacy.answers or {}).get(step.id, {}) if step else {}}


def _labelled(programme, answers: dict) -> list[tuple[str, str]]:
    """Carried-over answers under their questions' labels, in the reader's language."""
    labels = {f.id: f.label.get(current_language()) for step in programme.call.steps for f in step.fields}
    return [(labels.get(key, key), value) for key, value in answers.items()]


@bp.get("/candidacies")
@login_required
def mine():
    session = db_session()
    rows = []
    for candidacy in ops.candidacies_of(session, current_account()):
        context = _context(candidacy)
        title = (context["call"].title if context["kind"] == "site"
                 else f"{context['programme'].title.get(current_language())} · {context['edition'].label}")
        rows.append((candidacy, title, ops.status(session, candidacy)))
    return render_template("applicants/mine.html", rows=rows)


def candidacy_page(candidacy, status=200, form=None):
    return render_template("applicants/candidacy.html", candidacy=candidacy, status=ops.status(db_session(), candidacy),
                           form=form, lang=current_language(), limit_mb=MAX_BYTES // (1024 * 1024),
                           **_context(candidacy)), status


@bp.get("/candidacies/<int:candidacy_id>")
@login_required
def candidacy(candidacy_id):
    return candidacy_page(own(candidacy_id))


@bp.post("/candidacies/<int:candidacy_id>")
@login_required
def save(candidacy_id):
    """Save the draft; with ``submit``, then submit it (a refusal keeps what was typed)."""
    session = db_session()
    row = own(candidacy_id)
    context = _context(row)
    form = request.form.to_dict()
    try:
        ops.save_draft(session, row, form, now(), step=context["step"])
        if "submit" in form:
            if context["kind"] == "site":
                ops.submit_site(session, row, current_account(), data_dir=settings().data_dir, now=now())
            else:
                ops.submit_programme(session, row, current_account(), context["programme"],
                                     data_dir=settings().data_dir, now=now())
    except InputError as exc:
        discard_changes()
        flash(explain(exc, _FIELDS), "error")
        return candidacy_page(own(candidacy_id), 400, form)
    flash(_("Your application is submitted: a receipt is on its way to your e-mail address.") if "submit" in form
          else _("Your draft is saved; come back to complete it before the closing date."), "info")
    return redirect(url_for("applicants.candidacy", candidacy_id=row.id), code=303)


@bp.post("/candidacies/<int:candidacy_id>/files")
@login_required
def upload(candidacy_id):
    session = db_session()
    row = own(candidacy_id)
    context = _context(row)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise InputError(code="file.name_required", field="file")
        ops.add_file(session, row, data_dir=settings().data_dir, original_name=upload.filename,
                     data=upload.read(MAX_BYTES + 1), now=now(), step=context["step"],
                     field=request.form.get("field") or None)
    except InputError as exc:
        discard_changes()
        flash(explain(exc), "error")
        return candidacy_page(own(candidacy_id), 400)
    flash(_("File added to your application."), "info")
    return redirect(url_for("applicants.candidacy", candidacy_id=row.id), code=303)


@bp.get("/candidacies/<int:candidacy_id>/files/<int:file_id>")
@login_required
def download(candidacy_id, file_id):
    row = own(candidacy_id)
    stored = db_session().get(CandidacyFile, file_id)
    if stored is None or stored.candidacy_id != row.id:
        abort(404)
    path = file_path(settings().data_dir, stored)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=stored.content_type, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(stored.original_name)
    return response
