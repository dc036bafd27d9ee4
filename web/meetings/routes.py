"""Committees and meetings of a site: the proposals to confirm, move or cancel, the
meetings by committee, and scheduling one by hand. The meeting page is in ``meeting``."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from setupflow import inputs
from setupflow.accounts import access
from setupflow.committees import operations as meetings
from setupflow.committees.proposals import propose
from setupflow.errors import InputError
from setupflow.sites.runtime import workflow_of

from ..db import discard_changes
from ..i18n import current_language
from ..problems import explain
from ..scope import actor, allowed, current_account, db_session, done, now, visible_site

bp = Blueprint("meetings", __name__)


def local_instant(day: str, hour: str) -> str:
    """A Paris date and time from two form fields, as the engine reads it."""
    day, hour = (day or "").strip(), (hour or "").strip()
    if not day or not hour:
        raise InputError(code="form.datetime_required", field="at")
    return f"{day}T{hour}"


def list_url(site):
    return url_for("meetings.index", site_id=site.id)


@bp.get("/sites/<int:site_id>/meetings")
@login_required
def index(site_id):
    return _index_page(visible_site(site_id))


def _index_page(site, status: int = 200, error: str | None = None, form=None):
    """The meetings page; a refused schedule shows its error in the form, with what was typed."""
    user = current_account()
    lang = current_language()
    workflow = workflow_of(site)
    everything = meetings.meetings_of(db_session(), site)
    by_committee = [(c, [m for m in everything if m.committee_id == c.id and m.status != "proposed"])
                    for c in workflow.committees]
    proposals = [m for m in everything if m.status == "proposed"]
    return render_template("meetings/index.html", site=site, workflow=workflow, lang=lang, proposals=proposals,
                           by_committee=by_committee, can_edit=access.can_edit_site(user, site),
                           can_propose=access.can_reopen(user, site), subnav="meetings", schedule_error=error,
                           schedule_form=form or {}), status


@bp.post("/sites/<int:site_id>/meetings/propose")
@login_required
def generate(site_id):
    site = visible_site(site_id)
    allowed(access.can_reopen, site)
    created = propose(db_session(), site, now(), actor())
    return done(_("%(count)s meetings proposed until the target opening.", count=len(created)), list_url(site))


@bp.post("/sites/<int:site_id>/meetings")
@login_required
def schedule(site_id):
    site = visible_site(site_id)
    allowed(access.can_edit_site, site)
    form = request.form
    try:
        duration = inputs.optional_whole(form.get("duration"), "duration", 1, 24 * 60)
        meeting = meetings.schedule(db_session(), site, form.get("committee", ""),
                                    local_instant(form.get("day"), form.get("time")), actor(), now(),
                                    duration_minutes=duration, place=form.get("place"),
                                    video_url=form.get("video_url"))
    except InputError as exc:  # 400 with the message in the form and what was typed kept
        discard_changes()
        return _index_page(site, 400, _("The meeting was not scheduled: %(why)s", why=explain(exc)), form)
    return done(_("Meeting scheduled."), url_for("meetings.show", site_id=site.id, meeting_id=meeting.id))
