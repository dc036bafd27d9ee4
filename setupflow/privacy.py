"""Keeping detainees' identities out of the product.

The diagnostic stores aggregates and interview themes only. ``refuse_identifying``
rejects any text that looks like part of an individual record, naming the field:

- an e-mail address or a French phone number;
- a full date (12/03/1985, 1985-03-12, 12 mars 1985): a birth date or an event date
  about one person; month-and-year alone is accepted;
- a prison register number (numéro d'écrou): 6 to 8 digits in a row, letters followed
  by 4 or more digits (AB12345), or the word "écrou" followed by a number;
- a personal name: a civil title followed by a capitalised word (M. Durand, Mme Léa,
  Monsieur X), a labelled field ("nom : ...", "prénom : ..."), or a capitalised first name followed by a surname in capitals
  (Jean DURAND), the French way of writing names in records. Capitalised words that
  are known acronyms (CAP, SPIP, ESAT...) are not surnames.

These are heuristics: they catch the usual shapes of identifying data, not every one
(a name written "Jean Dupont" in ordinary case looks like "Mission Locale" and passes).
"""
from __future__ import annotations

import re

from .errors import InputError
from .refusals import Term

MONTHS = ("janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|"
          "decembre|january|february|march|april|may|june|july|august|september|october|november|december")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(\+33\s?|0)[1-9]([ .-]?\d\d){4}(?!\d)")
_DATES = (
    re.compile(r"\b\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}\b"),
    re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"),
    re.compile(rf"\b\d{{1,2}}(er)?\s+({MONTHS})\s+\d{{2,4}}\b", re.IGNORECASE),
)
_REGISTER = (
    re.compile(r"(?<![\d,.])\d{6,8}(?![\d,.])"),
    re.compile(r"\b[A-Za-z]{1,4}-?\d{4,8}\b"),
    re.compile(r"écrou\s*(n°|no|num[ée]ro|:|#)?\s*\w*\d", re.IGNORECASE),
)
_LABELLED_NAME = re.compile(r"\b(nom|prénom|prenom|name)\s*:\s*\w", re.IGNORECASE)
_TITLE_NAME = re.compile(r"\b(M\.|Mme|Mlle|Mr|Mrs|Monsieur|Madame|Mademoiselle)\s+[A-ZÀ-Ý][\w'-]*")
_FIRST_LAST = re.compile(r"\b[A-ZÀ-Ý][a-zà-ÿ'-]+\s+([A-ZÀ-Ý]{2,}(?:[- ][A-ZÀ-Ý]{2,})*)\b")

#: capitalised words that are acronyms of the field, not surnames
ACRONYMS = frozenset("""ACI AGEFIPH AMI ARESAT ARS ATIGIP BAC BEP BTS CAP CAF CESF CIP CPIP CRESS DAP DDETS DISP
DREETS DUI EA EI EP EPCI ESAT ESS FEI FLE IAE MDPH PPAIP PPSMJ QPV RQTH RSA SIAE SMIC SPIP UCSA ULE UNEA USMP
DIF CPF CV QCM""".split())


def identifying_problem(text: str, *, names: bool = True) -> str | None:
    """What in ``text`` looks like identifying data (a ``privacy.kind.*`` code of the catalogue), or None."""
    if not text:
        return None
    if _EMAIL.search(text):
        return "privacy.kind.email"
    if _PHONE.search(text):
        return "privacy.kind.phone"
    for pattern in _DATES:
        if pattern.search(text):
            return "privacy.kind.full_date"
    for pattern in _REGISTER:
        if pattern.search(text):
            return "privacy.kind.register_number"
    if names:
        if _LABELLED_NAME.search(text):
            return "privacy.kind.name_field"
        if _TITLE_NAME.search(text):
            return "privacy.kind.name_title"
        for match in _FIRST_LAST.finditer(text):
            words = re.split(r"[- ]", match.group(1))
            if not all(w in ACRONYMS for w in words):
                return "privacy.kind.name_surname"
    return None


def refuse_identifying(field: str, text: str | None, *, names: bool = True, label: str | None = None,
                       **where) -> str:
    """Return the stripped text, or raise InputError (``privacy.identifying``) naming ``field``.

    ``label`` is the key of the field's label (``themes`` for ``themes[2]``), ``where`` says more
    (the dimension of a category...); the kind of problem is the ``problem`` param."""
    text = (text or "").strip()
    problem = identifying_problem(text, names=names)
    if problem:
        raise InputError(code="privacy.identifying", field=field, label=label or field, problem=Term(problem),
                         **where)
    return text


def shown(count: int | None, threshold: int) -> str:
    """A count as displayed: small non-zero counts become '<threshold'."""
    if count is None:
        return "-"
    return f"<{threshold}" if 0 < count < threshold else str(count)


def suppressed_cells(counts: dict[str, int], threshold: int) -> set[str]:
    """Which cells of one dimension must not be shown.

    Primary: every count from 1 to threshold-1. Secondary: when exactly one cell is
    suppressed, the smallest other non-zero cell is suppressed too, so that the hidden
    count cannot be recovered by subtracting the shown cells from the total. The total
    itself is suppressed only when it is under the threshold.
    """
    hidden = {k for k, n in counts.items() if 0 < n < threshold}
    if len(hidden) == 1:
        others = sorted((n, k) for k, n in counts.items() if n > 0 and k not in hidden)
        if others:
            hidden.add(others[0][1])
    return hidden
