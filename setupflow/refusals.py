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
    "number.invalid": N_("'%(value)s' is not a whole number."),
    "programme.already_planned": N_("The accompaniment of this edition is already planned."),
    "programme.application_step": N_("The application is at the status '%(status)s': it cannot take this step."),
    "programme.count_invalid": N_("'%(value)s' is not a count (a whole number from 0)."),
    "programme.duplicate_application": N_("'%(organisation)s' has already applied for '%(project)s' to this edition."),
    "programme.edition_exists": N_("This programme already has an edition named '%(label)s'."),
    "programme.edition_status": N_("The edition is at the status '%(status)s': this step needs it to be %(needed)s."),
    "programme.identifying": N_("This text looks like data about one person (a name, a date, a number): reports keep aggregates only."),
    "programme.max_selected": N_("This call selects at most %(limit)s projects."),
    "programme.meeting_future": N_("The meeting starts on %(starts)s: it cannot be marked as held before then."),
    "programme.meeting_kind": N_("'%(kind)s' is not a kind of meeting of an edition (%(known)s)."),
    "programme.meeting_not_held": N_("The selection is recorded at a held meeting of the selection committee."),
    "programme.member_role": N_("'%(role)s' is not a part in a programme (%(known)s)."),
    "programme.no_weight": N_("At least one criterion must weigh something."),
    "programme.period_invalid": N_("'%(value)s' is not a reporting period of this programme (written like %(example)s)."),
    "programme.period_outside": N_("The period %(value)s is outside the edition (%(starts)s to %(ends)s)."),
    "programme.quorum": N_("%(present)s seats were present; the committee needs %(quorum)s to select."),
    "programme.score_range": N_("The score %(value)s is outside 0 to %(high)s."),
    "programme.select_none": N_("Select at least one application."),
    "programme.step_closed": N_("The step '%(step)s' of the call closed on %(closes)s."),
    "programme.step_not_open": N_("The step '%(step)s' of the call is not open yet (it opens on %(opens)s)."),
    "programme.too_many_organisations": N_("A laureate project is carried by at most %(limit)s organisations."),
    "programme.unknown_criterion": N_("'%(criterion)s' is not a criterion of this call (%(known)s)."),
    "programme.unknown_day": N_("'%(key)s' is not a collective day or event of this programme (%(known)s)."),
    "programme.unknown_field": N_("This is not a question of the step '%(step)s' (%(known)s)."),
    "programme.unknown_indicator": N_("'%(indicator)s' is not an indicator of this programme (%(known)s)."),
    "programme.unknown_seat": N_("'%(seat)s' is not a seat of the committee (%(known)s)."),
    "programme.unknown_section": N_("'%(section)s' is not a text section of the review (%(known)s)."),
    "programme.weight_range": N_("A weight is between 0 and 10, not %(value)s."),
    "programme.weights_fixed": N_("The call was published on %(published)s: its weights are fixed."),
    "required": N_("This information is required."),
    "text.control_character": N_("The text contains a control character that cannot be stored (%(character)s)."),
    "text.too_long": N_("The text is too long: %(length)s characters, at most %(limit)s."),
    "workshop.not_open": N_("The workshop reports its figures once it has opened."),
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
