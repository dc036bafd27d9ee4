"""A person's mail preferences, reached from any reminder without an account: the link of
the e-mail (and its List-Unsubscribe header) carries a signed token of the address. A
POST of ``List-Unsubscribe=One-Click`` (RFC 8058) stops the kind of reminder named by
``?stop=``; the page lets the person stop or resume each kind and the weekly digest.
The token is the credential (no session, so no CSRF token: the route is exempt)."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from setupflow.errors import InputError
from setupflow.reminders import unsubscribe

from ..auth.routes import csrf
from ..db import db_session, settings
from ..work_pages import now
from .routes import bp

#: each kind of reminder a person may stop, in words
KINDS = {
    "agenda_reminder": _l("Reminders to send a meeting's agenda"),
    "meeting_tomorrow": _l("Reminders the day before a meeting"),
    "minutes_missing": _l("Reminders of minutes still to write"),
    "action_due": _l("Action items due soon"),
    "action_overdue": _l("Action items overdue"),
    "deadline_opens": _l("Deadline windows opening"),
    "deadline_closing": _l("Deadline windows closing"),
    "deadline_missed": _l("Deadlines missed"),
    "stage_past_max": _l("Stages past their maximum duration"),
    "weekly_digest": _l("The weekly e-mail of next steps (Monday morning)"),
}


@csrf.exempt
@bp.route("/preferences/<token>", methods=["GET", "POST"])
def preferences(token):
    email = unsubscribe.token_email(token, unsubscribe.app_secret(settings()))
    if email is None:
        abort(404)
    session = db_session()
    message = None
    if request.method == "POST":
        try:
            if request.form.get("List-Unsubscribe") == "One-Click":
                unsubscribe.save_preferences(session, email, now(), stop=request.args.get("stop", ""))
                return "", 200
            wanted = set(request.form.getlist("receive"))
            unsubscribe.save_preferences(session, email, now(),
                                         stopped=[k for k in unsubscribe.STOPPABLE if k not in wanted],
                                         weekly_digest="weekly_digest" in wanted)
        except InputError:
            abort(400)
        message = _("Your preferences are saved.")
    elif request.args.get("stop") in unsubscribe.STOPPABLE:
        message = _("Untick a kind of e-mail and save to stop it.")
    pref = unsubscribe.preferences_of(session, email)
    stopped = set(pref.stopped or ()) if pref else set()
    from setupflow.accounts.operations import user_by_email
    from setupflow.reminders.weekly import wants_weekly

    user = user_by_email(session, email)
    if not wants_weekly(pref, user.role if user is not None and user.is_active else None):
        stopped.add("weekly_digest")  # off by default for whoever is not a project lead
    return render_template("notifications/preferences.html", email=email, kinds=KINDS, stopped=stopped, message=message,
                           highlight=request.args.get("stop"))
