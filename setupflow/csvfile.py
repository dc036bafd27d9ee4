"""The one CSV writer: every CSV the product writes (web exports, ``setupflow diagnostic
export``...) goes through ``write_csv``.

Every cell is neutralised: a text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading apostrophe, so a spreadsheet shows it instead of running it
as a formula (``-2+3+cmd|' /C calc'!A0``, ``@SUM(1)``); characters no file should carry
(NUL, other control characters) are dropped (``inputs.printable``).

Two forms:

- ``PEOPLE`` opens correctly in a French spreadsheet: semicolon separator, UTF-8 with a BOM,
  dates ``31/12/2027`` and times ``31/12/2027 14:00`` in the site's time zone, decimal comma;
- ``MACHINE`` is for programs: comma separator, UTF-8 without BOM, ISO dates, instants in
  UTC (``2027-01-12T13:00:00Z``), decimal point.

The web's export buttons offer both (people by default); the CLI has ``--form`` (machine by
default).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from .clock import installation_zone
from .inputs import printable

#: what a spreadsheet reads as the start of a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Form:
    name: str
    delimiter: str
    bom: bool
    for_people: bool


PEOPLE = Form("people", ";", True, True)
MACHINE = Form("machine", ",", False, False)
FORMS = {f.name: f for f in (PEOPLE, MACHINE)}


def form_named(name: str | None, default: Form = PEOPLE) -> Form:
    """The form asked for (``people`` or ``machine``); an unknown or missing name gives ``default``."""
    return FORMS.get((name or "").strip().lower(), default)


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will show, never run."""
    text = printable(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value, form: Form, tz: ZoneInfo | None = None) -> str:
    """One value as its form writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return ("oui" if value else "non") if form.for_people else ("true" if value else "false")
    if isinstance(value, datetime):
        if form.for_people:
            return value.astimezone(tz or installation_zone()).strftime("%d/%m/%Y %H:%M")
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if form.for_people else value.isoformat()
    if isinstance(value, (int, Decimal, float)):
        text = str(value)
        return text.replace(".", ",") if form.for_people else text
    return neutralise(str(value))


def write_csv(header: Iterable, rows: Iterable[Iterable], form: Form = PEOPLE, tz: ZoneInfo | None = None) -> bytes:
    """The whole file: a header row, then the rows, every cell through ``cell``."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=form.delimiter, lineterminator="\r\n")
    writer.writerow([cell(v, form, tz) for v in header])
    for row in rows:
        writer.writerow([cell(v, form, tz) for v in row])
    return (("\ufeff" if form.bom else "") + out.getvalue()).encode("utf-8")


def stream_csv(header: Iterable, rows: Iterable[Iterable], form: Form = PEOPLE, tz: ZoneInfo | None = None,
               rows_per_chunk: int = 200):
    """``write_csv``'s bytes in chunks of ``rows_per_chunk`` rows, for a streamed response:
    the rows are consumed as the chunks are sent, never all held."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=form.delimiter, lineterminator="\r\n")
    if form.bom:
        out.write("\ufeff")
    writer.writerow([cell(v, form, tz) for v in header])
    n = 0
    for row in rows:
        writer.writerow([cell(v, form, tz) for v in row])
        n += 1
        if n % rows_per_chunk == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


MIMETYPE = "text/csv; charset=utf-8"
