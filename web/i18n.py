"""French by default, English on request: the user's preference, else the session's."""
from __future__ import annotations

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
    app.jinja_env.globals["day_text"] = day_text


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
