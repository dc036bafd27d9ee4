"""French by default, English on request: the user's preference, else the session's."""
from __future__ import annotations

from flask import Flask, g, session
from flask_babel import Babel
from flask_login import current_user

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
    Babel(app, locale_selector=current_language, timezone_selector=lambda: "Europe/Paris",
          default_locale="fr", default_timezone="Europe/Paris")
    app.jinja_env.globals["current_language"] = current_language
    babel_dateformat = app.jinja_env.filters["dateformat"]

    def dateformat(value, format=None):
        """Flask-Babel's filter, remembered per request: a table of 2,000 sites repeats its dates."""
        done = g.setdefault("dateformat", {})
        key = (value, format)
        if key not in done:
            done[key] = babel_dateformat(value, format)
        return done[key]

    app.jinja_env.filters["dateformat"] = dateformat
