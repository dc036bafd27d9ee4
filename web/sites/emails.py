"""A site's e-mails before they leave (``/sites/<id>/emails``, for the site's managers):
what will go out, when, to whom and why; what a person held or cancelled; what went
out; what failed; what waits only for an SMTP server. A manager holds, releases or
cancels one reminder; the row and the site's history say who did it."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from setupflow.accounts import access
from setupflow.errors import InputError, NotFound
from setupflow.reminders import holds, personal
from setupflow.sites.runtime import workflow_of

from ..db import db_session, settings
from ..problems import explain
from ..scope import actor, allowed, current_account, done, now, refuse, visible_site
from .routes import bp

#: why an e-mail goes out, by the event its rule watches (or the rule id of the system's own)
REASONS = {
    "meeting_invitation": _l("Invitation to the meeting"),
    "meeting_agenda": _l("Reminder to send the agenda"),
    "meeting_day_before": _l("Reminder the day before the meeting"),
    "minutes_missing": _l("Minutes still missing"),
    "action_due": _l("Action item due soon"),
    "action_overdue": _l("Action item overdue"),
    "deadline_opens": _l("A deadline window opens"),
    "deadline_closing": _l("A deadline window closes soon"),
    "deadline_missed": _l("A deadline was missed"),
    "stage_past_max": _l("The stage is past its maximum duration"),
    "meeting_update": _l("The meeting moved or changed"),
    "meeting_cancel": _l("The meeting is cancelled"),
}


def reason(site, rule_id: str) -> str:
    """Why a reminder goes out, in words: its rule's event (the rule id for an unknown rule)."""
    rule = next((r for r in workflow_of(site).reminders if r.id == rule_id), None)
    found = REASONS.get(rule.event if rule is not None else rule_id)
    return str(found) if found is not None else rule_id.replace("_", " ").capitalize()


def mail_context(site, subject: str | None = None) -> dict:
    """What the e-mail tables need (the site's page, or one meeting's with ``subject``)."""
    session = db_session()
    mail = holds.site_mail(session, site, now(), smtp_configured=bool(settings().smtp_host), subject=subject)
    rows = mail.upcoming + mail.stopped + mail.sent + mail.failed
    return {"mail": mail, "mail_subjects": personal.subjects(rows, settings().templates_dir),
            "mail_reason": lambda row: reason(site, row.rule),
            "can_hold": access.can_edit_site(current_account(), site)}


@bp.get("/sites/<int:site_id>/emails")
@login_required
def emails(site_id):
    site = visible_site(site_id)
    allowed(access.can_edit_site, site)
    return render_template("sites/emails.html", site=site, subnav="emails", **mail_context(site))


def _back(site):
    target = request.form.get("next") or ""
    # only a page of this site: never an address given by the form
    if not target.startswith(f"/sites/{site.id}/") or "//" in target:
        target = url_for("sites.emails", site_id=site.id)
    return target


CHANGES = ("hold", "release", "cancel")


@bp.post("/sites/<int:site_id>/emails/<int:reminder_id>/<change>")
@login_required
def change_reminder(site_id, reminder_id, change):
    site = visible_site(site_id)
    allowed(access.can_edit_site, site)
    if change not in CHANGES:
        abort(404)
    session = db_session()
    try:
        row = holds.site_reminder(session, site, reminder_id)
    except NotFound:
        abort(404)
    try:
        getattr(holds, change)(session, site, row, actor(), now())
    except InputError as exc:
        return refuse(_("Nothing was changed: %(why)s", why=explain(exc)), _back(site))
    message = {"hold": _("The e-mail is held: it will not leave until someone releases it."),
               "release": _("The e-mail is released: it leaves at its time."),
               "cancel": _("The e-mail is cancelled: it will not be sent.")}[change]
    return done(message, _back(site) + "#emails")


@bp.app_context_processor
def _emails_link():
    def can_see_emails(site) -> bool:
        from flask_login import current_user

        return current_user.is_authenticated and access.can_edit_site(current_account(), site)
    return {"can_see_emails": can_see_emails}
