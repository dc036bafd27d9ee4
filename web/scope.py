"""Shared checks of the site sub-pages: the site must be visible (404 otherwise), an
object named in the URL must belong to that site (404 otherwise, same answer as "no
such thing"), and a refused change rolls back what was flushed and says why."""
from __future__ import annotations

from flask import abort, flash, redirect

from setupflow.accounts import access
from setupflow.errors import NotFound

from . import now
from .auth.session_user import current_account
from .db import db_session, discard_changes


def visible_site(site_id):
    try:
        return access.visible_site(db_session(), current_account(), site_id)
    except NotFound:
        abort(404)


def allowed(check, site) -> None:
    if not check(current_account(), site):
        abort(403)


def owned(getter, site, object_id):
    """``getter(session, id)`` of an object of ``site``; 404 if missing or of another site."""
    try:
        found = getter(db_session(), object_id)
    except NotFound:
        abort(404)
    if getattr(found, "site_id", None) != site.id:
        abort(404)
    return found


def actor():
    return access.actor_of(current_account())


def refuse(message: str, url: str):
    discard_changes()
    flash(message, "error")
    return redirect(url, code=303)


def done(message: str, url: str):
    flash(message, "info")
    return redirect(url, code=303)


__all__ = ["owned", "actor", "refuse", "done", "allowed", "visible_site", "now", "db_session", "current_account"]
