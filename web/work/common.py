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


#: the stage-work engine's common refusals, in the reader's language (named groups fill the text)
WORK_PATTERNS = tuple((re.compile(p), t) for p, t in (
    (r"^obtained_on: say when", _l("Give the date the data was obtained.")),
    (r"^obtained_on: only a source with status 'obtained'", _l("Only an obtained source has a date obtained.")),
    (r"^participants: an individual interview has one", _l("An individual interview has one participant.")),
    (r"^participants: ", _l("Give the number of participants (a whole number, at least 1).")),
    (r"^themes: give at least one", _l("Give at least one theme raised.")),
    (r"^count '(?P<what>[^']*)': '(?P<value>[^']*)' is not a whole number",
     _l("The count for %(what)s is not a whole number: %(value)s.")),
    (r"^conclusions: write", _l("Write the conclusions of the diagnostic.")),
    (r"^rationale: say why", _l("Say why this structure type answers the needs found.")),
    (r"^signatory '[^']*': the DUI is signed in order; waiting first for (?P<what>.*)$",
     _l("The DUI is signed in order: waiting first for %(what)s.")),
    (r"^signed_on: .* is in the future", _l("A signature date cannot be in the future.")),
    (r"^signed_on: .* is before the previous signature", _l("A signature cannot come before the previous one.")),
    (r"^signed_by: ", _l("Say who signed.")),
    (r"^ends_on: .* is before the start", _l("The end comes before the start.")),
    (r"^closes_on: .* must come after the publication", _l("The closing date must come after the publication.")),
    (r"cannot be published yet", _l("The call cannot be published yet: it needs its text, the needs it answers "
                                    "and at least one weighted criterion.")),
    (r"^received_on: .* is after the call closed", _l("This application arrived after the call closed.")),
    (r"^received_on: .* is before the call was published", _l("This date is before the call was published.")),
    (r"^organisation: '(?P<what>.*)' has already applied", _l("%(what)s has already applied to this call.")),
    (r"^(?P<what>organisation|legal_status|activity): required", _l("A required field is empty: %(what)s.")),
    (r"^file '(?P<what>.*)': its content is not an accepted type",
     _l("The file %(what)s is not of an accepted type (PDF, PNG, JPEG, DOCX, XLSX, ODT, ODS), whatever its name says.")),
    (r"^file '(?P<what>.*)': .* over the limit", _l("The file %(what)s is larger than 10 MB.")),
    (r"^file: choose", _l("Choose a file to attach.")),
    (r"^score '.*' is outside", _l("A score is outside the scale.")),
    (r"^member: ", _l("Say which committee member scores.")),
    (r"the committee selects once the call has closed", _l("The committee selects once the call has closed.")),
    (r"^applications: select at least one", _l("Select at least one application.")),
    (r"^applications: this call selects at most (?P<what>\d+)", _l("This call selects at most %(what)s.")),
    (r"^weight '.*': between 0 and 10", _l("A weight is between 0 and 10.")),
    (r"^weight '(?P<what>[^']*)': '.*' is not a whole number", _l("The weight of %(what)s is not a whole number.")),
    (r"^weight: at least one criterion", _l("At least one criterion must weigh something.")),
    (r"^capacity: ", _l("The number of places is a whole number between 1 and 500.")),
    (r"^title: a call needs a title", _l("A call needs a title.")),
    (r"^starts: .* is after the call closes", _l("Visits and meetings come before the call closes.")),
    (r"^starts: ", _l("Give a date and time.")),
    (r"^organisation: a bilateral meeting", _l("A bilateral meeting is with one candidate organisation.")),
    (r"^status: an (expense|income) line is", _l("This status does not fit this kind of line.")),
    (r"^funder: an income line", _l("An income line says who funds it.")),
    (r"^planned: give the forecast", _l("Give the planned amount.")),
    (r"^(?P<what>planned|actual): '.*' is not an amount", _l("An amount is not valid: %(what)s.")),
    (r"^(?P<what>planned|actual): .* more than two decimals", _l("An amount has more than two decimals.")),
    (r"^(?P<what>planned|actual): an amount cannot be negative", _l("An amount cannot be negative.")),
    (r"^(?P<what>category|label): required", _l("A required field is empty: %(what)s.")),
))


#: field names of the engine's messages, in the reader's words
FIELD_NAMES = {"organisation": _l("Organisation"), "legal_status": _l("Legal status"), "activity": _l("Activity"),
               "category": _l("Category"), "label": _l("Label"), "planned": _l("Planned amount (€)"),
               "actual": _l("Actual amount (€, once known)")}


def problem_text(exc: Exception, fields: dict | None = None) -> str:
    """An engine refusal as a sentence; identity-looking input names the field in the reader's words."""
    if getattr(exc, "code", None) is not None:  # a structured refusal speaks for itself
        return explain(exc)
    message = str(exc)
    fields = {**FIELD_NAMES, **(fields or {})}
    found = _PRIVACY.match(message)
    if found:
        raw = found.group("field")
        base = re.sub(r"\[\d+\]$", "", raw).split(" '")[0]
        label = str(fields.get(base, raw))
        problem = next((str(text) for key, text in PROBLEMS if found.group("problem").startswith(key)),
                       found.group("problem"))
        return _("%(field)s: %(problem)s. Only aggregates and themes are kept, never data about one person; "
                 "rewrite it without the identifying part.", field=label, problem=problem)
    for pattern, text in WORK_PATTERNS:
        match = pattern.search(message)
        if match:
            return str(text) % {k: str(fields.get(v, v)) for k, v in match.groupdict().items()} \
                if match.groupdict() else str(text)
    return explain(exc)


def refuse(message: str) -> None:
    discard_changes()
    flash(message, "error")


__all__ = ["site_for", "can_edit", "actor", "owned", "done", "problem_text", "refuse", "now"]
