"""What a meeting records: its minutes (previewed on the server, saved with the version
they were based on; a stale save keeps the person's text), their approval, the
decisions taken in it and its action items."""
from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _
from flask_login import login_required

from setupflow import inputs
from setupflow.accounts import access
from setupflow.committees import minutes
from setupflow.committees.actions import add_action as add
from setupflow.documents.markdown import markdown_to_html
from setupflow.errors import InputError, StaleEdit

from ..db import discard_changes
from ..problems import explain
from ..scope import actor, db_session, done, now
from .meeting import change_meeting, meeting_of, person_of, page_url, render_meeting
from .routes import bp


@bp.post("/sites/<int:site_id>/meetings/<int:meeting_id>/minutes")
@login_required
def save_minutes(site_id, meeting_id):
    """Preview (nothing saved) or save. A stale save keeps the person's text in the form."""
    site, meeting = meeting_of(site_id, meeting_id, access.can_edit_site)
    body = request.form.get("body") or ""
    try:
        based_on = int(request.form.get("based_on") or 0)
    except ValueError:
        abort(400)
    if "preview" in request.form:
        try:  # the length is checked before anything is rendered; a preview is never cached
            preview = markdown_to_html(minutes.checked_minutes(body), 1, cache=False)
        except InputError as exc:
            return render_meeting(site, meeting, 400, body=body, based_on=based_on, error=explain(exc))
        return render_meeting(site, meeting, body=body, based_on=based_on, preview=preview)
    try:
        minutes.save_minutes(db_session(), meeting, body, based_on, actor(), now())
    except StaleEdit:
        discard_changes()
        message = _("Someone saved these minutes while you were writing: your text was NOT saved. It is still "
                    "in the form below; compare it with the current version, merge, and save again.")
        return render_meeting(site, meeting, 409, body=body, based_on=based_on, error=message)
    except InputError as exc:
        discard_changes()
        return render_meeting(site, meeting, 400, body=body, based_on=based_on, error=explain(exc))
    return done(_("Minutes saved."), page_url(meeting, "minutes"))


@bp.post("/sites/<int:site_id>/meetings/<int:meeting_id>/approve")
@login_required
def approve(site_id, meeting_id):
    def change(m):
        version = inputs.whole(request.form.get("version") or "", "version", 0)
        minutes.approve_minutes(db_session(), m, version, actor(), now())
    return change_meeting(site_id, meeting_id, change, _("Minutes approved."), "minutes")


@bp.post("/sites/<int:site_id>/meetings/<int:meeting_id>/decisions")
@login_required
def decide(site_id, meeting_id):
    form = request.form
    return change_meeting(site_id, meeting_id, lambda m: minutes.record_meeting_decision(
        db_session(), m, form.get("key") or None, form.get("value"), form.get("text"), actor(), now(),
        supersede_reason=form.get("supersede_reason")), _("Decision recorded."), "decisions")


@bp.post("/sites/<int:site_id>/meetings/<int:meeting_id>/actions")
@login_required
def add_action(site_id, meeting_id):
    form = request.form
    return change_meeting(site_id, meeting_id, lambda m: add(db_session(), m, form.get("text"), person_of(m, "owner"),
                                                      actor(), now(), due_on=form.get("due_on") or None),
                   _("Action item added."), "actions")
