"""What the pages of the definition's ``work`` section share (web/diagnostic, web/calls,
web/support, web/budget, and the after-opening page): the site with its access check,
refusals that keep what the person typed, rendered from their code in the reader's
language. Every such page lives under ``/sites/<site_id>/...`` and asks the same access
rules as the site page: 404 without the right to the site, 403 on a POST the person's
role may not make."""
from __future__ import annotations

from flask import abort, flash, redirect, url_for

from setupflow.accounts import access
from setupflow.errors import NotFound

from . import now
from .auth.session_user import current_account
from .db import discard_changes
from .problems import explain
from .scope import actor, visible_site


def site_for(site_id, edit: bool = False):
    """The site if the person may see it (404 otherwise); with ``edit``, 403 unless they may change it."""
    site = visible_site(site_id)
    if edit and not access.can_edit_site(current_account(), site):
        abort(403)
    return site


def can_edit(site) -> bool:
    return access.can_edit_site(current_account(), site)


def owned(getter, *args):
    """An object of this site (its call, application, line...), or 404: ids of another site's objects are refused."""
    try:
        return getter(*args)
    except NotFound:
        abort(404)


def done(endpoint: str, site, message: str, anchor: str = "", **values):
    flash(message, "info")
    return redirect(url_for(endpoint, site_id=site.id, **values) + (f"#{anchor}" if anchor else ""), code=303)


def problem_text(exc: Exception, fields: dict | None = None) -> str:
    """An engine refusal in the reader's language (``fields``: the page's own field labels)."""
    return explain(exc, fields)


def refuse(message: str) -> None:
    discard_changes()
    flash(message, "error")


__all__ = ["site_for", "can_edit", "actor", "owned", "done", "problem_text", "refuse", "now"]
