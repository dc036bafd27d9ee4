"""What the stage-work pages share: the site with its access check, refusals that keep
what the person typed, and the engine's privacy refusals in the reader's language."""
from __future__ import annotations

import re

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from setupflow.accounts import access
from setupflow.errors import NotFound

from .. import now
from ..auth.session_user import current_account
from ..db import discard_changes
from ..problems import explain
from ..sites.routes import visible_site


def site_for(site_id, edit: bool = False):
    """The site if the person may see it (404 otherwise); with ``edit``, 403 unless they may change it."""
    site = visible_site(site_id)
    if edit and not access.can_edit_site(current_account(), site):
        abort(403)
    return site


def can_edit(site) -> bool:
    return access.can_edit_site(current_account(), site)


def actor():
    return access.actor_of(current_account())


def owned(getter, *args):
    """An object of this site (its call, application, line...), or 404: ids of another site's objects are refused."""
    try:
        return getter(*args)
    except NotFound:
        abort(404)


def done(endpoint: str, site, message: str, anchor: str = "", **values):
    flash(message, "info")
    return redirect(url_for(endpoint, site_id=site.id, **values) + (f"#{anchor}" if anchor else ""), code=303)


_PRIVACY = re.compile(r"^(?P<field>[^:]+): (?P<problem>looks like [^;]+|contains a full date[^;]*); the diagnostic keeps")
PROBLEMS = (
    ("looks like an e-mail address", _l("looks like an e-mail address")),
    ("looks like a phone number", _l("looks like a phone number")),
    ("contains a full date", _l("contains a full date (a birth date or a date about one person)")),
    ("looks like a prison register number", _l("looks like a prison register number (numéro d'écrou)")),
    ("looks like a person's name", _l("looks like a person's name")),
)


def problem_text(exc: Exception, fields: dict | None = None) -> str:
    """An engine refusal as a sentence; identity-looking input names the field in the reader's words."""
    message = str(exc)
    found = _PRIVACY.match(message)
    if found:
        raw = found.group("field")
        base = re.sub(r"\[\d+\]$", "", raw).split(" '")[0]
        label = str((fields or {}).get(base, raw))
        problem = next((str(text) for key, text in PROBLEMS if found.group("problem").startswith(key)),
                       found.group("problem"))
        return _("%(field)s: %(problem)s. Only aggregates and themes are kept, never data about one person; "
                 "rewrite it without the identifying part.", field=label, problem=problem)
    return explain(exc)


def refuse(message: str) -> None:
    discard_changes()
    flash(message, "error")


__all__ = ["site_for", "can_edit", "actor", "owned", "done", "problem_text", "refuse", "now"]
