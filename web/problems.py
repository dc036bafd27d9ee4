"""Engine refusals in the reader's language.

A structured refusal (``exc.code``, see ``setupflow.refusals``) is rendered from its code:
the template translated by Flask-Babel, dates and amounts formatted by Babel for the reader.
Nothing here reads the text of a message: an error without a code is shown as it is."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.lists import format_list
from flask_babel import format_date, format_datetime, format_decimal, get_locale, gettext
from flask_babel import lazy_gettext as _l

from setupflow.errors import SetupflowError
from setupflow.refusals import MESSAGES, Term

#: form fields in the reader's words: a refusal that carries a ``label`` param (the field it is
#: about, e.g. identifying data in a diagnostic text) is shown after that field's label
FIELD_LABELS = {"organisation": _l("Organisation"), "legal_status": _l("Legal status"), "activity": _l("Activity"),
                "category": _l("Category"), "label": _l("Label"), "planned": _l("Planned amount (€)"),
                "actual": _l("Actual amount (€, once known)"), "name": _l("Name"), "function": _l("Function")}


def formatted(value):
    """A refusal's parameter as the reader writes it (dates and numbers by Babel)."""
    if isinstance(value, Term):
        return gettext(MESSAGES[value])
    if isinstance(value, (list, tuple)):
        return format_list([str(formatted(v)) for v in value], locale=get_locale())
    if hasattr(value, "en") and hasattr(value, "fr"):  # a definition's Text
        return value.get(get_locale().language if get_locale() else "fr")
    if isinstance(value, datetime):
        return format_datetime(value, "medium")
    if isinstance(value, date):
        return format_date(value, "long")
    if isinstance(value, Decimal):
        return format_decimal(value)
    return value


def term(code: str) -> str:
    """A phrase of the refusals catalogue (``call.missing.body``...) in the reader's language."""
    return gettext(MESSAGES[code])


def explain(exc: Exception, fields: dict | None = None) -> str:
    """The refusal in the reader's language; ``fields`` adds a page's own field labels to FIELD_LABELS."""
    code = exc.code if isinstance(exc, SetupflowError) else None
    if code is not None:
        template = MESSAGES[code]
        params = {k: formatted(v) for k, v in exc.params.items()}
        text = gettext(template, **params) if params else gettext(template)
        key = exc.params.get("label", exc.field)
        if key is not None:
            label = {**FIELD_LABELS, **(fields or {})}.get(key)
            if label is not None:
                return gettext("%(label)s: %(message)s", label=str(label), message=text)
        return text
    return str(exc)  # an error not yet converted to a code: its message as it is
