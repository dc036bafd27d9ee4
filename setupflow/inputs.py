"""The input edge: the one place that turns what a person typed into dates, instants,
whole numbers, amounts, e-mail addresses and texts, for every entry point (web forms, CLI
options through ``setupflow.cli.inputs``, import through ``setupflow.transfer``).

Each parser takes the raw value and the ``field`` it came from (a form field, a CLI option,
an import column) and either returns a clean value or raises a structured ``InputError``
naming that field (codes in ``setupflow.refusals``). The rules:

- dates and instants are ISO (``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM`` or with a ``T``), in
  ASCII digits, between ``LOW`` and ``HIGH`` (2000-01-01 .. 2100-12-31: the method plans
  months and years ahead, never centuries, and every date stays far from the calendar's
  edges, so date arithmetic cannot overflow);
- whole numbers and amounts are ASCII digits only: no ``NaN``, infinities, exotic digits
  (``١٢٣``), underscores (``1_000``) or exponents; amounts accept the way French people
  type them (``32 000``, ``32 000,50``, ``32000.50``, with ordinary, no-break or narrow
  no-break spaces between groups of three digits, an optional ``€``);
- e-mail addresses are NFKC-normalised (full-width letters become ASCII), refused when
  they hold a format character (zero-width space, joiner, bidi mark...) or anything but an
  ASCII address, and compared on ``email_key`` (case-folded): one person, one identity;
- texts never hold NUL; other C0 control characters are refused except tab and line
  breaks (``\\r\\n`` and ``\\r`` become ``\\n``); names and file names refuse line breaks
  and bidi overrides/isolates (which make a name read differently from what it is).

``printable`` is the other side of the edge: what documents use on text already stored
(perhaps before these rules), so that every format renders whatever the database holds.
"""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from .clock import PARIS
from .errors import InputError

LOW = date(2000, 1, 1)
HIGH = date(2100, 12, 31)
#: the first instant after the accepted years (UTC): stored rows at or past it are planned around
LATEST_INSTANT = datetime(HIGH.year + 1, 1, 1, tzinfo=timezone.utc)


def within_bounds(instant: datetime) -> bool:
    """Whether a stored instant lies within the accepted years (rows stored before the edge may not)."""
    return datetime(LOW.year, 1, 1, tzinfo=timezone.utc) <= instant < LATEST_INSTANT

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_INSTANT = re.compile(r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?"
                      r"(Z|[+-]\d{2}:?\d{2})?", re.ASCII)
_TIME = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)
_WHOLE = re.compile(r"[+-]?\d{1,12}", re.ASCII)
#: spaces people put between groups of three digits: space, no-break, narrow no-break, thin
_GROUP_SPACES = " \u00a0\u202f\u2009"
_AMOUNT = re.compile(r"(?P<int>\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+|\d+)(?:[.,](?P<frac>\d+))?", re.ASCII)
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*", re.ASCII)
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", re.ASCII)
#: bidi embeddings, overrides and isolates (the marks LRM/RLM/ALM are format characters too)
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _bounded(day: date, field: str, original) -> date:
    if not LOW <= day <= HIGH:
        raise InputError(code="date.out_of_range", field=field, value=original if isinstance(original, date)
                         else day, low=LOW.year, high=HIGH.year)
    return day


def day(value, field: str) -> date:
    """A calendar day: a ``date`` or ``YYYY-MM-DD`` within the accepted years."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return _bounded(value, field, value)
    raw = str(value if value is not None else "").strip()
    found = _DATE.fullmatch(raw)
    if not found:
        raise InputError(code="date.invalid", field=field, value=_shown(raw))
    try:
        parsed = date(*(int(g) for g in found.groups()))
    except ValueError:
        raise InputError(code="date.invalid", field=field, value=_shown(raw)) from None
    return _bounded(parsed, field, parsed)


def optional_day(value, field: str) -> date | None:
    """``day``, or None for an empty value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return day(value, field)


def instant(value, field: str, tz: ZoneInfo = PARIS) -> datetime:
    """An aware UTC instant from ``YYYY-MM-DD HH:MM`` (a ``T`` or a space between them,
    optional seconds and offset; without an offset it is local time in ``tz``), or from a
    datetime (naive ones are local). Its local day is within the accepted years."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        raise InputError(code="datetime.invalid", field=field, value=value.isoformat())
    else:
        raw = str(value if value is not None else "").strip()
        found = _INSTANT.fullmatch(raw)
        if not found:
            raise InputError(code="datetime.invalid", field=field, value=_shown(raw))
        y, mo, d, h, mi, s = found.groups()[:6]
        try:
            _bounded(date(int(y), int(mo), int(d)), field, None)
            dt = datetime.fromisoformat(raw.replace(" ", "T").replace("Z", "+00:00"))
        except ValueError:
            raise InputError(code="datetime.invalid", field=field, value=_shown(raw)) from None
    local = dt.replace(tzinfo=tz) if dt.tzinfo is None else dt
    _bounded(local.date(), field, None)
    return local.astimezone(timezone.utc)


def clock_time(value, field: str) -> time:
    """A time of day, ``HH:MM``."""
    if isinstance(value, time):
        return value
    raw = str(value if value is not None else "").strip()
    found = _TIME.fullmatch(raw)
    if not found or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        raise InputError(code="time.invalid", field=field, value=_shown(raw))
    return time(int(found.group(1)), int(found.group(2)))


def whole(value, field: str, low: int | None = None, high: int | None = None) -> int:
    """A whole number in ASCII digits (an optional sign), optionally within [low, high]."""
    if isinstance(value, bool):
        raise InputError(code="number.invalid", field=field, value=str(value))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raw = str(value if value is not None else "").strip()
        if not _WHOLE.fullmatch(raw):
            raise InputError(code="number.invalid", field=field, value=_shown(raw))
        number = int(raw)
    if (low is not None and number < low) or (high is not None and number > high):
        raise InputError(code="number.out_of_range", field=field, value=number,
                         low=low if low is not None else "", high=high if high is not None else "")
    return number


def optional_whole(value, field: str, low: int | None = None, high: int | None = None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return whole(value, field, low, high)


#: the largest amount accepted (a hundred billion euros: no workshop budget comes near)
MAX_AMOUNT = Decimal("100000000000")


def amount(value, field: str, *, places: int = 2, negative: bool = False) -> Decimal:
    """An amount of money as a Decimal with at most ``places`` decimals: ``32 000``,
    ``32 000,50``, ``32000.50``, ``1234,5 €``; never NaN, infinite, exotic digits,
    underscores or exponents."""
    if isinstance(value, bool):
        raise InputError(code="amount.invalid", field=field, value=str(value))
    if isinstance(value, (int, Decimal)):
        if isinstance(value, Decimal) and not value.is_finite():
            raise InputError(code="amount.invalid", field=field, value=str(value))
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(code="amount.invalid", field=field, value=str(value))
        number = Decimal(str(value))
    else:
        raw = str(value if value is not None else "").strip()
        text = raw[:-1].rstrip() if raw.endswith("€") else raw
        sign = -1 if text.startswith("-") else 1
        text = text[1:].lstrip() if text[:1] in "+-" else text
        found = _AMOUNT.fullmatch(text)
        if not found:
            raise InputError(code="amount.invalid", field=field, value=_shown(raw))
        digits = "".join(c for c in found.group("int") if c not in _GROUP_SPACES)
        try:
            number = sign * Decimal(f"{digits}.{found.group('frac') or '0'}")
        except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
            raise InputError(code="amount.invalid", field=field, value=_shown(raw)) from None
    if number < 0 and not negative:
        raise InputError(code="amount.negative", field=field, value=number)
    if abs(number) > MAX_AMOUNT:
        raise InputError(code="amount.out_of_range", field=field, value=number, low=0, high=MAX_AMOUNT)
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise InputError(code="amount.too_precise", field=field, value=number, places=places)
    return number


def optional_amount(value, field: str, **kwargs) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return amount(value, field, **kwargs)


def email(value, field: str = "email") -> str:
    """An e-mail address, NFKC-normalised and trimmed (case kept as typed; compare with
    ``email_key``). Refused: format characters (zero-width...), control characters, spaces,
    anything but an ASCII ``local@domain.tld`` of at most 254 characters."""
    raw = str(value if value is not None else "")
    normalised = unicodedata.normalize("NFKC", raw)
    if any(unicodedata.category(c) in ("Cf", "Cc", "Co", "Cs", "Cn") for c in normalised):
        raise InputError(code="email.invalid", field=field, value=_shown(raw))  # a line break too: headers
    normalised = normalised.strip(" ")
    local, at, domain = normalised.rpartition("@")
    labels = domain.split(".")
    if (not at or len(normalised) > 254 or len(local) > 64 or not _LOCAL.fullmatch(local) or len(labels) < 2
            or not all(_LABEL.fullmatch(label) for label in labels) or not labels[-1].isalpha()):
        raise InputError(code="email.invalid", field=field, value=_shown(raw))
    return normalised


def optional_email(value, field: str = "email") -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return email(value, field)


def email_key(value) -> str:
    """The identity of an address: NFKC, trimmed, case-folded (ASCII after ``email``, so
    ``lower()`` in SQLite and PostgreSQL gives the same). Never a pattern: compare with ``==``."""
    return unicodedata.normalize("NFKC", str(value or "")).strip().lower()


def text(value, field: str, *, max_length: int | None = None, one_line: bool = False,
         name: bool = False, strip: bool = True) -> str:
    """A text as stored: no NUL, no C0 control character but tab and line breaks (``\\r\\n``
    and ``\\r`` become ``\\n``), no other non-character. ``one_line`` refuses line breaks;
    ``name`` (a name, a title, a file name) also refuses bidi overrides and isolates."""
    out = str(value if value is not None else "").replace("\r\n", "\n").replace("\r", "\n")
    for c in out:
        if c in "\t\n":
            if c == "\n" and (one_line or name):
                raise InputError(code="text.line_break", field=field)
            continue
        category = unicodedata.category(c)
        if category == "Cc" or category == "Cs" or c in "\ufffe\uffff":
            raise InputError(code="text.control_character", field=field, character=f"U+{ord(c):04X}")
        if name and c in BIDI_CONTROLS:
            raise InputError(code="text.bidi_control", field=field, character=f"U+{ord(c):04X}")
    if strip:
        out = out.strip()
    if max_length is not None and len(out) > max_length:
        raise InputError(code="text.too_long", field=field, length=len(out), limit=max_length)
    return out


def like_escaped(value: str) -> str:
    """User text inside a LIKE pattern (with ``escape="\\"``): ``%``, ``_`` and ``\\`` match themselves."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def problem_in(value) -> str | None:
    """The code ``text`` would refuse ``value`` with (any field), or None: for the faces'
    blanket checks (every web form field, every CLI argument)."""
    try:
        text(value, "", strip=False)
    except InputError as exc:
        return exc.code
    return None


def file_name(value, field: str = "file") -> str:
    """A file name as stored and sent back: a name (no control, no bidi, one line), no path."""
    cleaned = text(value, field, name=True, max_length=255)
    cleaned = cleaned.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return cleaned or "file"


def printable(value) -> str:
    """A stored text made safe for any document format (XML, PDF, iCalendar, e-mail):
    the characters XML 1.0 cannot hold (NUL, C0 controls but tab and line breaks, lone
    surrogates, U+FFFE/U+FFFF) are dropped. Texts accepted by the edge come out unchanged."""
    if value is None:
        return ""
    return _XML_ILLEGAL.sub("", str(value))


def finalize(value):
    """Jinja's ``finalize`` for every document and e-mail template: each value written out
    goes through ``printable`` (Markup stays Markup), whatever the row holds."""
    if isinstance(value, str) and _XML_ILLEGAL.search(value):
        cleaned = _XML_ILLEGAL.sub("", value)
        return type(value)(cleaned) if hasattr(value, "__html__") else cleaned
    return value


def _shown(raw: str) -> str:
    """A refused value as the message repeats it: printable, and not a page long."""
    shown = "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") else c
                    for c in raw)  # a refusal stays one line, and shows what was invisible
    return shown if len(shown) <= 60 else shown[:57] + "..."
