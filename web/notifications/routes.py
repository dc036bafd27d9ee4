"""The person's notifications: upcoming reminders, what was sent to them, their calendar
feeds (create, revoke); administrators also see whether the reminder worker works and
the reminders given up after retries."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from setupflow.accounts import access
from setupflow.errors import NotFound
from setupflow.reminders import feeds, personal
from setupflow.reminders.health import worker_health
from setupflow.sites.models import Site

from ..auth.session_user import current_account
from ..db import db_session, discard_changes, settings
from ..work_pages import now

bp = Blueprint("notifications", __name__)


def _sites():
    return db_session().scalars(access.visible_sites_query(current_account()).order_by(Site.name)).all()


def _page(new_url=None, error=None, status=200):
    user = current_account()
    session = db_session()
    sites = _sites()
    names = {s.id: s.name for s in sites}
    upcoming, sent = personal.upcoming(session, user.email), personal.sent_to(session, user.email)
    dead = personal.dead(session) if user.role == "admin" else None
    health = worker_health(session, now()) if user.role == "admin" else None
    # without an SMTP server the sweep's failure is known: say it in the reader's words
    # (the stored error is the worker's English line, for the log and the CLI probe)
    waiting_for_smtp = None
    if health is not None and not settings().smtp_host:
        from setupflow.reminders.claim import due_count

        waiting_for_smtp = due_count(session, now())
    return render_template("notifications/notifications.html", upcoming=upcoming, sent=sent, dead=dead, health=health,
                           subjects=personal.subjects(upcoming + sent + (dead or []), settings().templates_dir),
                           feeds=personal.feeds_of(session, user, names), site_names=names, sites=sites,
                           new_url=new_url, error=error, waiting_for_smtp=waiting_for_smtp), status


@bp.get("/notifications")
@login_required
def show():
    return _page()


@bp.post("/notifications/feeds")
@login_required
def create_feed():
    user = current_account()
    site_id = request.form.get("site", "")
    try:
        if site_id:
            site = access.visible_site(db_session(), user, site_id)
            token = feeds.create_feed(db_session(), now(), site=site, creator=user)
        else:
            token = feeds.create_feed(db_session(), now(), email=user.email, creator=user)
    except NotFound:
        discard_changes()
        if site_id:
            abort(404)
        return _page(error=_("Your address is in no site's team yet, so there is no personal calendar to "
                             "follow; create a site feed instead."), status=400)
    # the address this page was served from (behind a trusted proxy: its forwarded host and
    # scheme), so the calendar reaches the server the person is using
    url = url_for("feeds.feed", token=token, _external=True)
    return _page(new_url=url)


@bp.post("/notifications/feeds/<int:feed_id>/revoke")
@login_required
def revoke_feed(feed_id):
    user = current_account()
    try:
        personal.revoke_feed_id(db_session(), feed_id, now(), user=user, site_ids=[s.id for s in _sites()])
    except NotFound:
        abort(404)
    return _page()
