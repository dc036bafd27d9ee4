"""The catalogue of refusals: one English template per code, translated by the faces.

Raise with ``InputError(code="date.out_of_range", field="starts_on", value=..., low=..., high=...)``.
Templates use ``%(name)s`` placeholders (gettext style), so the web translates them with
Flask-Babel (``web.problems.explain``) and the CLI prints the English text. Param values are
plain data (str, int, date, Decimal...): each face formats dates and amounts for its reader.
Every code used in the code base must be here (tests/test_refusals.py checks it), and
scripts/translations extracts these templates (marked with ``N_``) into the French catalogue.

Codes are grouped by prefix: the kind of input (``date.``, ``amount.``, ``text.``, ``email.``)
or the feature (``call.``, ``dui.``, ``meeting.``...). Add new ones in alphabetical order.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any


def N_(text: str) -> str:
    """Marks a template for extraction into the translation catalogue; returns it unchanged."""
    return text


MESSAGES: dict[str, str] = {
    "amount.invalid": N_("'%(value)s' is not an amount (digits, with a decimal comma or point)."),
    "amount.out_of_range": N_("%(value)s is outside the accepted range (%(low)s to %(high)s)."),
    "date.invalid": N_("'%(value)s' is not a date (expected YYYY-MM-DD)."),
    "date.out_of_range": N_("%(value)s is outside the accepted years (%(low)s to %(high)s)."),
    "datetime.invalid": N_("'%(value)s' is not a date and time (expected YYYY-MM-DD HH:MM)."),
    "email.invalid": N_("'%(value)s' is not an e-mail address."),
    "minutes.before_meeting": N_("The meeting has not started yet (it starts %(starts)s): minutes are written once it "
                                 "has begun; prepare its agenda until then."),
    "number.invalid": N_("'%(value)s' is not a whole number."),
    "required": N_("This information is required."),
    "text.control_character": N_("The text contains a control character that cannot be stored (%(character)s)."),
    "text.too_long": N_("The text is too long: %(length)s characters, at most %(limit)s."),
}


def english(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The English text of a refusal (what the CLI prints and the logs keep)."""
    template = MESSAGES[code]  # an unknown code is a programming error, caught by the tests
    values = {k: _plain(v) for k, v in (params or {}).items()}
    return template % values if values else template


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
