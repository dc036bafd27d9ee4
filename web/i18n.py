"""French by default, English on request: the user's preference, else the session's."""
from __future__ import annotations

import re as _re

from flask import Flask, g, session
from flask_babel import Babel
from flask_login import current_user

from setupflow.clock import installation_timezone

LANGUAGES = ("fr", "en")


def current_language() -> str:
    try:
        if current_user.is_authenticated:
            return current_user.language
    except Exception:
        pass
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "fr"


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=current_language, timezone_selector=installation_timezone,
          default_locale="fr", default_timezone=installation_timezone())
    app.jinja_env.globals["current_language"] = current_language
    babel_dateformat = app.jinja_env.filters["dateformat"]

    def dateformat(value, format=None):
        """Flask-Babel's filter, remembered per request: a table of 2,000 sites repeats its dates."""
        done = g.setdefault("dateformat", {})
        key = (value, format)
        if key not in done:
            done[key] = french_first(value, babel_dateformat(value, format))
        return done[key]

    app.jinja_env.filters["dateformat"] = dateformat
    init_typography(app)
    app.jinja_env.globals["day_text"] = day_text
    app.jinja_env.globals["instant_text"] = instant_text


def french_first(value, text: str) -> str:
    """French writes the first day of a month as an ordinal: "1er décembre", not "1 décembre"."""
    if getattr(value, "day", None) == 1 and current_language() == "fr" and text.startswith("1 "):
        return "1er " + text[2:]
    return text


def day_text(value, format: str = "medium") -> str:
    """A date (or an ISO date/datetime string from a history entry) in the reader's words."""
    from datetime import date, datetime

    from flask_babel import format_date

    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    return french_first(value, format_date(value, format))


def instant_text(value, format: str = "short") -> str:
    """An instant (aware datetime, or its ISO text) in the reader's words and time zone."""
    from datetime import datetime

    from flask_babel import format_datetime

    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return format_datetime(value, format)


# -- French typography ----------------------------------------------------------------
# French puts a no-break space before : ; ? ! and inside « »; the catalogue, the
# definitions and the templates were written with plain spaces (or none). Every French
# page goes through ``french_typography`` once, on its text only: tags, attributes,
# scripts, styles, form fields and code are left as they are.

_NBSP = "\u00a0"
_SKIPPED = _re.compile(r"(<(script|style|textarea|pre|code)\b.*?</\2\s*>|<[^>]*>)", _re.S | _re.I)
_BEFORE = _re.compile(r"(?:[ \t]+|(?<=[^\s\d\u00a0(/])|^)([:;?!»])(?=[\s<]|$)")
_AFTER = _re.compile(r"«[ \t]*")
_ENTITY = _re.compile(r"&#?\w+$")


def french_typography(text: str) -> str:
    """No-break spaces where French typography wants them, in a piece of text."""
    if not any(c in text for c in ":;?!«»"):
        return text
    def spaced(m):
        if m.group(1) == ";" and _ENTITY.search(text, 0, m.start()):
            return m.group(0)  # the end of an entity (&gt;), not a semicolon
        return _NBSP + m.group(1)

    text = _BEFORE.sub(spaced, text)
    return _AFTER.sub("«" + _NBSP, text)


def french_page(html: str) -> str:
    """``french_typography`` on the text between the tags of an HTML page."""
    out, last = [], 0
    for match in _SKIPPED.finditer(html):
        out.append(french_typography(html[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(french_typography(html[last:]))
    return "".join(out)


def init_typography(app: Flask) -> None:
    @app.after_request
    def _french_typography(response):
        if (response.mimetype == "text/html" and not response.direct_passthrough and not response.is_streamed
                and current_language() == "fr"):
            response.set_data(french_page(response.get_data(as_text=True)))
        return response
