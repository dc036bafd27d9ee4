"""The meeting page: date and place, the four roles, invitees and attendance, agenda,
minutes (Markdown, previewed on the server, saved with the version they were based on),
decisions taken in the meeting, action items, and the lifecycle buttons."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from setupflow import inputs
from setupflow.accounts import access
from setupflow.clock import local_date
from setupflow.committees import attendance, minutes, operations as meetings
from setupflow.committees.models import ATTENDANCE, MEETING_ROLES, ActionItem
from setupflow.documents.markdown import markdown_to_html
from setupflow.errors import InputError, NotAllowed, NotFound, StaleEdit
from setupflow.sites.models import Decision
from setupflow.sites.operations import current_decisions
from setupflow.lifecycles import MEETINGS
from setupflow.sites.runtime import workflow_of
from setupflow.team.operations import get_person, people_of

from ..i18n import current_language
from ..problems import explain
from ..scope import actor, allowed, current_account, db_session, done, now, owned, refuse, visible_site
from .routes import bp, local_instant

#: the statuses a meeting can still be changed in (those its lifecycle lets one cancel it from)
OPEN = MEETINGS.sources("cancel")


def meeting_of(site_id, meeting_id, check=None):
    site = visible_site(site_id)
    meeting = owned(meetings.get_meeting, site, meeting_id)
    if check is not None:
        allowed(check, site)
    return site, meeting


def page_url(meeting, anchor=""):
    return url_for("meetings.show", site_id=meeting.site_id, meeting_id=meeting.id) + (f"#{anchor}" if anchor else "")


def decision_kinds(meeting):
    """The decision kinds this meeting may take at the site's current stage: those no
    committee owns and its committee's, taken in a stage the site is in, and not settled
    by a piece of work (those are recorded on the work's page, naming the meeting)."""
    site = meeting.site
    return [k for k in workflow_of(site).decisions
            if k.committee in (None, meeting.committee_id) and k.taken_in in (None, meeting.committee_id)
            and k.settled_by is None and (not k.stages or site.stage in k.stages)]


def render_meeting(site, meeting, status=200, **minutes_form):
    session = db_session()
    user = current_account()
    current = minutes.current_minutes(session, meeting)
    version = current.version if current else 0
    can_edit = access.can_edit_site(user, site)
    mail = {}
    if can_edit:
        from ..sites.emails import mail_context

        mail = mail_context(site, f"meeting:{meeting.id}")
    body = minutes_form.get("body", current.body_md if current else "")
    return render_template(
        "meetings/show.html", site=site, meeting=meeting, lang=current_language(), subnav="meetings",
        committee=workflow_of(site).committee(meeting.committee_id), roles=MEETING_ROLES,
        held_roles={r.role: r.person for r in meeting.roles}, attendance_values=ATTENDANCE,
        people=people_of(session, site, include_left=False), minutes=current, version=version,
        minutes_body=body, based_on=minutes_form.get("based_on", version), preview=minutes_form.get("preview"),
        minutes_error=minutes_form.get("error"), minutes_html=markdown_to_html(current.body_md, 1) if current else None,
        decisions=list(session.scalars(select(Decision).where(Decision.meeting_id == meeting.id).order_by(Decision.id))),
        current_decisions=current_decisions(session, site), decision_kinds=decision_kinds(meeting),
        actions=list(session.scalars(select(ActionItem).where(ActionItem.meeting_id == meeting.id)
                                     .order_by(ActionItem.id))),
        today=local_date(now()), is_past=meeting.starts_dt <= now(), is_open=meeting.status in OPEN,
        can_edit=can_edit, **mail), status


@bp.get("/sites/<int:site_id>/meetings/<int:meeting_id>")
@login_required
def show(site_id, meeting_id):
    site, meeting = meeting_of(site_id, meeting_id)
    return render_meeting(site, meeting)


def change_meeting(site_id, meeting_id, change, success: str, anchor: str = ""):
    """Run ``change(meeting)`` for an editor; refusals come back as a message on the page."""
    site, meeting = meeting_of(site_id, meeting_id, access.can_edit_site)
    url = page_url(meeting, anchor)
    try:
        change(meeting)
    except NotAllowed as exc:
        return refuse(explain(exc), url)
    except (InputError, StaleEdit) as exc:
        return refuse(_("Nothing was changed: %(why)s", why=explain(exc)), url)
    return done(success, url)


def person_of(meeting, field):
    try:
        return get_person(db_session(), request.form.get(field), meeting.site)
    except NotFound:
        raise InputError(code="form.person_required", field=field) from None


@bp.post("/sites/<int:site_id>/meetings/<int:meeting_id>/confirm")
@login_required
def confirm(site_id, meeting_id):
    site, meeting = meeting_of(site_id, meeting_id, access.can_edit_site)
    try:
        meetings.confirm(db_session(), meeting, actor(), now())
    except (InputError, StaleEdit) as exc:
        return refuse(_("Nothing was changed: %(why)s", why=explain(exc)), page_url(meeting))
    leaves = invitations_leave(site, meeting)
    if leaves is None:
        return done(_("Meeting confirmed; the committee's members are invited."), page_url(meeting, "emails"))
    return done(_("Meeting confirmed; the invitations leave on %(when)s (see the e-mails below).",
                  when=format_datetime(leaves, "short")), page_url(meeting, "emails"))


def invitations_leave(site, meeting):
    """Plan the site's e-mails now (the worker would within 15 minutes) and say when the
    meeting's first invitation leaves, or None when none is planned."""
    from sqlalchemy import func

    from setupflow.reminders.models import Reminder
    from setupflow.reminders.operations import plan_site

    session = db_session()
    plan_site(session, site, now())
    rules = [r.id for r in workflow_of(site).reminders if r.event == "meeting_invitation"]
    return session.scalar(select(func.min(Reminder.send_after_dt)).where(
        Reminder.subject == f"meeting:{meeting.id}", Reminder.rule.in_(rules), Reminder.state == "pending"))


@bp.post("/sites/<int:site_id>/meetings/<int:meeting_id>/move")
@login_required
def move(site_id, meeting_id):
    form = request.form
    return change_meeting(site_id, meeting_id, lambda m: meetings.move(
        db_session(), m, local_instant(form.get("day"), form.get("time")), actor(), now(), form.get("reason")),
        _("Meeting moved."))


@bp.post("/sites/<int:site_id>/meetings/<int:meeting_id>/cancel")
@login_required
def cancel(site_id, meeting_id):
    return change_meeting(site_id, meeting_id, lambda m: meetings.cancel(db_session(), m, actor(), now(),
                                                                  request.form.get("reason")),
                   _("Meeting cancelled."))


@bp.post("/sites/<int:site_id>/meetings/<int:meeting_id>/place")
@login_required
def place(site_id, meeting_id):
    form = request.form

    def change(m):
        duration = inputs.optional_whole(form.get("duration"), "duration", 1, 24 * 60)
        meetings.update_place(db_session(), m, actor(), now(), place=form.get("place"),
                              video_url=form.get("video_url"), duration_minutes=duration)
    return change_meeting(site_id, meeting_id, change, _("Place and link saved."), "place")


@bp.post("/sites/<int:site_id>/meetings/<int:meeting_id>/roles")
@login_required
def roles(site_id, meeting_id):
    def change(m):
        held = {r.role: r.person_id for r in m.roles}
        for role in MEETING_ROLES:
            chosen = request.form.get(f"role_{role}") or ""
            if chosen and str(held.get(role)) != chosen:
                attendance.assign_role(db_session(), m, role, person_of(m, f"role_{role}"), actor(), now())
    return change_meeting(site_id, meeting_id, change, _("Roles saved."), "roles")


@bp.post("/sites/<int:site_id>/meetings/<int:meeting_id>/invite")
@login_required
def invite(site_id, meeting_id):
    return change_meeting(site_id, meeting_id,
                   lambda m: attendance.invite(db_session(), m, person_of(m, "person"), actor(), now()),
                   _("Invitation added."), "invitees")


@bp.post("/sites/<int:site_id>/meetings/<int:meeting_id>/held")
@login_required
def held(site_id, meeting_id):
    def change(m):
        marks = {a.person_id: request.form.get(f"attendance_{a.person_id}") or "absent" for a in m.attendees}
        attendance.mark_held(db_session(), m, marks, actor(), now())
    return change_meeting(site_id, meeting_id, change, _("The meeting is marked as held."), "invitees")


@bp.post("/sites/<int:site_id>/meetings/<int:meeting_id>/agenda")
@login_required
def agenda(site_id, meeting_id):
    titles = [line for line in (request.form.get("agenda") or "").splitlines() if line.strip()]
    return change_meeting(site_id, meeting_id, lambda m: meetings.set_agenda(db_session(), m, titles, actor(), now()),
                   _("Agenda saved."), "agenda")
