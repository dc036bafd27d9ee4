"""Action items of a site: open, overdue (computed from today) or done, and their status."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from setupflow.accounts import access
from setupflow.clock import local_date
from setupflow.committees.actions import actions_of, get_action, set_action_status
from setupflow.errors import InputError

from ..i18n import current_language
from ..problems import explain
from ..scope import actor, allowed, current_account, db_session, done, now, owned, refuse, visible_site

bp = Blueprint("actions", __name__)
FILTERS = ("open", "overdue", "done", "all")


@bp.get("/sites/<int:site_id>/actions")
@login_required
def index(site_id):
    site = visible_site(site_id)
    today = local_date(now())
    shown = request.args.get("show", "open")
    shown = shown if shown in FILTERS else "open"
    criteria = {"open": {"status": "open"}, "overdue": {"overdue_on": today}, "done": {"status": "done"},
                "all": {}}[shown]
    return render_template("actions/index.html", site=site, items=actions_of(db_session(), site, **criteria),
                           shown=shown, filters=FILTERS, today=today, lang=current_language(), subnav="actions",
                           can_change=access.can_tick_tasks(current_account(), site))


@bp.post("/sites/<int:site_id>/actions/<int:action_id>/status")
@login_required
def status(site_id, action_id):
    site = visible_site(site_id)
    item = owned(get_action, site, action_id)
    allowed(access.can_tick_tasks, site)
    url = url_for("actions.index", site_id=site.id, show=request.form.get("show") or None)
    try:
        set_action_status(db_session(), item, request.form.get("status", ""), actor(), now())
    except InputError as exc:
        return refuse(explain(exc), url)
    return done(_("Action item updated."), url)
