"""The page of one meeting of a programme edition (selection committee, collective day,
co-development session, event, a laureate's follow-up): date and place, its invitees and
their attendance, agenda, minutes, the invitation's calendar file, and for the programme's
staff the lifecycle (move, cancel, hold, minutes, approval).

Who sees which meeting: ``setupflow.programmes.access.Scope.sees_meeting``; a meeting the
person may not see answers 404, like a meeting of another edition."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from setupflow import ics
from setupflow.accounts.access import actor_of
from setupflow.clock import zone
from setupflow.committees.minutes import current_minutes
from setupflow.committees.models import ATTENDANCE
from setupflow.documents.markdown import markdown_to_html
from setupflow.errors import InputError, NotFound, StaleEdit
from setupflow.programmes import meetings as pm
from setupflow.programmes.models import Laureate, ProgrammeDecision

from .. import now
from ..auth.session_user import current_account
from ..db import db_session, discard_changes, settings
from ..i18n import current_language
from ..problems import explain
from .routes import bp, edition_for, programme_and_scope


def meeting_for(programme_id, edition_id, meeting_id):
    programme, scope = programme_and_scope(programme_id)
    edition = edition_for(scope, edition_id)
    try:
        meeting = pm.get_meeting(db_session(), edition, meeting_id)
    except NotFound:
        abort(404)
    if not scope.sees_meeting(edition, meeting):
        abort(404)
    return programme, scope, edition, meeting


def page(programme, edition, meeting, anchor=""):
    return url_for("programmes.meeting", programme_id=programme.id, edition_id=edition.id,
                   meeting_id=meeting.id) + (f"#{anchor}" if anchor else "")


def managed(programme_id, edition_id, meeting_id):
    programme, scope, edition, meeting = meeting_for(programme_id, edition_id, meeting_id)
    if not scope.can_manage:
        abort(403)
    return programme, edition, meeting


def _title(programme, meeting, lang):
    name = db_session().get(Laureate, meeting.laureate_id).project if meeting.laureate_id else None
    return pm.title(programme, meeting, lang, name)


@bp.get("/programmes/<programme_id>/editions/<int:edition_id>/meetings/<int:meeting_id>")
@login_required
def meeting(programme_id, edition_id, meeting_id):
    programme, scope, edition, row = meeting_for(programme_id, edition_id, meeting_id)
    session = db_session()
    lang = current_language()
    minutes = current_minutes(session, row)
    decisions = session.scalars(select(ProgrammeDecision).where(ProgrammeDecision.meeting_id == row.id)
                                .order_by(ProgrammeDecision.id)).all()
    return render_template("programmes/meeting.html", programme=programme, edition=edition, meeting=row,
                           scope=scope, lang=lang, title=_title(programme, row, lang), minutes=minutes,
                           minutes_html=markdown_to_html(minutes.body_md, 1) if minutes else None,
                           version=minutes.version if minutes else 0, attendance_values=ATTENDANCE,
                           seats=programme.committee.seats, decisions=decisions, is_past=row.starts_dt <= now(),
                           local_start=row.starts_dt.astimezone(zone(row.timezone)))


@bp.get("/programmes/<programme_id>/editions/<int:edition_id>/meetings/<int:meeting_id>/invitation.ics")
@login_required
def meeting_invitation(programme_id, edition_id, meeting_id):
    """The meeting's calendar file: the same event (UID, SEQUENCE) as the e-mailed invitation."""
    programme, _scope, edition, row = meeting_for(programme_id, edition_id, meeting_id)
    fields = ics.meeting_fields(row, _title(programme, row, current_language()),
                                "\n".join(f"{i}. {a.title}" for i, a in enumerate(row.agenda, 1)) or None)
    sender = settings().mail_sender.rpartition("<")[2].strip(" >")
    data = ics.invitation(fields, method="CANCEL" if row.status == "cancelled" else "REQUEST", stamp=now(),
                          attendees=[ics.Attendee(a.email, a.name) for a in row.attendees], organizer=sender)
    return Response(data, mimetype="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="reunion-{row.id}.ics"'})


def _done(programme, edition, row, message, anchor=""):
    flash(message, "info")
    return redirect(page(programme, edition, row, anchor), code=303)


def _refused(programme, edition, row, exc, anchor=""):
    discard_changes()
    flash(explain(exc), "error")
    return redirect(page(programme, edition, row, anchor), code=303)


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/meetings/<int:meeting_id>/move")
@login_required
def meeting_move(programme_id, edition_id, meeting_id):
    programme, edition, row = managed(programme_id, edition_id, meeting_id)
    day, hour = request.form.get("day", "").strip(), request.form.get("time", "").strip()
    try:
        if not day or not hour:
            raise InputError(code="form.datetime_required", field="at")
        pm.move(db_session(), row, f"{day}T{hour}", now())
        if "place" in request.form or "video" in request.form:
            pm.update_place(db_session(), row, now(), place=request.form.get("place"),
                            video_url=request.form.get("video"))
    except InputError as exc:
        return _refused(programme, edition, row, exc, "when")
    return _done(programme, edition, row, _("The meeting is moved; those invited get the update."))


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/meetings/<int:meeting_id>/place")
@login_required
def meeting_place(programme_id, edition_id, meeting_id):
    programme, edition, row = managed(programme_id, edition_id, meeting_id)
    try:
        pm.update_place(db_session(), row, now(), place=request.form.get("place"), video_url=request.form.get("video"))
    except InputError as exc:
        return _refused(programme, edition, row, exc, "when")
    return _done(programme, edition, row, _("The place is saved; those invited get the update."))


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/meetings/<int:meeting_id>/cancel")
@login_required
def meeting_cancel(programme_id, edition_id, meeting_id):
    programme, edition, row = managed(programme_id, edition_id, meeting_id)
    try:
        pm.cancel(db_session(), row, now(), request.form.get("reason"))
    except InputError as exc:
        return _refused(programme, edition, row, exc)
    return _done(programme, edition, row, _("The meeting is cancelled; those invited are told."))


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/meetings/<int:meeting_id>/agenda")
@login_required
def meeting_agenda(programme_id, edition_id, meeting_id):
    programme, edition, row = managed(programme_id, edition_id, meeting_id)
    titles = [t for t in (request.form.get("agenda") or "").splitlines() if t.strip()]
    try:
        pm.set_agenda(db_session(), row, titles, now())
    except InputError as exc:
        return _refused(programme, edition, row, exc, "agenda")
    return _done(programme, edition, row, _("The agenda is saved."), "agenda")


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/meetings/<int:meeting_id>/held")
@login_required
def meeting_held(programme_id, edition_id, meeting_id):
    programme, edition, row = managed(programme_id, edition_id, meeting_id)
    attendance = {a.user_id: request.form.get(f"attendance-{a.user_id}") for a in row.attendees
                  if request.form.get(f"attendance-{a.user_id}")}
    try:
        pm.mark_held(db_session(), programme, row, now=now(), present=request.form.getlist("present"),
                     attendance=attendance, missed=request.form.get("missed") == "1")
    except InputError as exc:
        return _refused(programme, edition, row, exc, "attendance")
    return _done(programme, edition, row, _("The meeting is recorded."), "attendance")


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/meetings/<int:meeting_id>/minutes")
@login_required
def meeting_minutes(programme_id, edition_id, meeting_id):
    programme, edition, row = managed(programme_id, edition_id, meeting_id)
    based_on = request.form.get("based_on", "0")
    try:
        pm.save_minutes(db_session(), row, request.form.get("body", ""), int(based_on) if based_on.isdecimal() else -1,
                        actor_of(current_account()), now())
    except (InputError, StaleEdit) as exc:
        return _refused(programme, edition, row, exc, "minutes")
    return _done(programme, edition, row, _("The minutes are saved."), "minutes")


@bp.post("/programmes/<programme_id>/editions/<int:edition_id>/meetings/<int:meeting_id>/minutes/approval")
@login_required
def meeting_approve(programme_id, edition_id, meeting_id):
    programme, edition, row = managed(programme_id, edition_id, meeting_id)
    version = request.form.get("version", "0")
    try:
        pm.approve_minutes(db_session(), row, int(version) if version.isdecimal() else -1, now())
    except (InputError, StaleEdit) as exc:
        return _refused(programme, edition, row, exc, "minutes")
    return _done(programme, edition, row, _("The minutes are approved."), "minutes")
