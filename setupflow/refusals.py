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
    "call.extension_not_later": N_("%(value)s does not extend the call: it closes on %(closes)s; give a later day."),
    "call.not_published": N_("Call %(call)s is not published yet."),
    "date.invalid": N_("'%(value)s' is not a date (expected YYYY-MM-DD)."),
    "date.out_of_range": N_("%(value)s is outside the accepted years (%(low)s to %(high)s)."),
    "datetime.invalid": N_("'%(value)s' is not a date and time (expected YYYY-MM-DD HH:MM)."),
    "decision.meeting_not_held": N_("Meeting %(meeting)s is not recorded as held with its attendance: the decision "
                                    "'%(decision)s' is taken in a meeting that took place."),
    "decision.needs_meeting": N_("The decision '%(decision)s' is taken in a held meeting of the %(committee)s: "
                                 "say which meeting."),
    "decision.settled_by_diagnostic": N_("The decision '%(decision)s' is the diagnostic's choice: record it with "
                                         "`%(command)s` or on the site's diagnostic page."),
    "decision.settled_by_dui": N_("The decision '%(decision)s' is the date of the DUI's last signature: record the "
                                  "signatures with `%(command)s` or on the site's support page."),
    "decision.settled_by_opening": N_("The decision '%(decision)s' is the confirmation of the opening: confirm it with "
                                      "`%(command)s` or on the site's support page."),
    "decision.settled_by_publication": N_("The decision '%(decision)s' is the publication of the call: publish it "
                                          "with `%(command)s` or on the call's page."),
    "decision.settled_by_selection": N_("The decision '%(decision)s' is the committee's selection among the call's "
                                        "applications: record it with `%(command)s` or on the call's page."),
    "decision.wrong_committee": N_("Meeting %(meeting)s is a meeting of the %(other)s; the decision '%(decision)s' "
                                   "is taken by the %(committee)s."),
    "decision.wrong_stage": N_("The decision '%(decision)s' is taken in the stage %(stages)s; the site is in the "
                               "stage %(stage)s."),
    "email.invalid": N_("'%(value)s' is not an e-mail address."),
    "number.invalid": N_("'%(value)s' is not a whole number."),
    "required": N_("This information is required."),
    "site.target_before_earliest": N_("The target opening %(value)s comes %(days)s days before the earliest the "
                                      "method allows (%(earliest)s, every stage at its minimum): confirm to keep it."),
    "stage.confirm_early": N_("The stage '%(stage)s' reaches its minimum duration on %(day)s, in %(days)s days: "
                              "confirm to move on early (the history will say so)."),
    "stage.final_before_date": N_("The site reaches '%(state)s' on its confirmed date, %(day)s, not before: the "
                                  "worker moves it that day."),
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
    if hasattr(value, "fr") and hasattr(value, "en") and callable(getattr(value, "get", None)):
        return value.get("en")  # a text of the definition in both languages
    return value
