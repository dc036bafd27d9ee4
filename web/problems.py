"""Engine refusals in the reader's language.

A structured refusal (``exc.code``, see ``setupflow.refusals``) is rendered from its code:
the template translated by Flask-Babel, dates and amounts formatted by Babel for the reader.
The PATTERNS below are the older way (matching the engine's English text) and go away as
the engine's call sites are converted to codes."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_date, format_datetime, format_decimal, gettext
from flask_babel import lazy_gettext as _l

from setupflow.refusals import MESSAGES

PATTERNS = (
    (re.compile(r"^decision '[^']+' is already taken"),
     _l("This decision is already taken: give a reason to replace it.")),
    (re.compile(r"^decision '[^']+' needs a value"), _l("Give a value for the decision.")),
    (re.compile(r"^decision '[^']+': '.*' is not one of"), _l("Choose one of the values offered.")),
    (re.compile(r"is not a date \(YYYY-MM-DD\)"), _l("A date is not valid (expected YYYY-MM-DD).")),
    (re.compile(r"^task '[^']+': met by the work itself"),
     _l("This task is met by the work itself (diagnostic, calls, support, budget pages): it cannot be ticked by hand.")),
    (re.compile(r"^task: unknown task"), _l("This task is not part of the site's method.")),
    (re.compile(r"^name: a site needs a name"), _l("Give the site a name.")),
    (re.compile(r"^opening: .* must come after the start"), _l("The target opening must come after the start.")),
    (re.compile(r"^reason: "), _l("Give a reason.")),
    (re.compile(r"^email: an account already exists"), _l("An account already exists for this e-mail address.")),
    (re.compile(r"^email: .* is not an e-mail address"), _l("This is not an e-mail address.")),
)


def formatted(value):
    """A refusal's parameter as the reader writes it (dates and numbers by Babel)."""
    if isinstance(value, datetime):
        return format_datetime(value, "medium")
    if isinstance(value, date):
        return format_date(value, "long")
    if isinstance(value, Decimal):
        return format_decimal(value)
    if hasattr(value, "fr") and hasattr(value, "en") and callable(getattr(value, "get", None)):
        from flask_babel import get_locale

        return value.get(str(get_locale() or "fr")[:2])  # a text of the definition in both languages
    return value


def explain(exc: Exception) -> str:
    code = getattr(exc, "code", None)
    if code is not None:
        template = MESSAGES[code]
        params = {k: formatted(v) for k, v in exc.params.items()}
        return gettext(template, **params) if params else gettext(template)
    message = str(exc)
    for pattern, text in PATTERNS:
        if pattern.search(message):
            return str(text)
    return message
