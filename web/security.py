"""Security headers on every response (errors included), the secret key, no-store pages."""
from __future__ import annotations

from flask import Flask
from flask_login import current_user

from setupflow.config import Settings

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def secret_key(settings: Settings) -> str:
    """From the settings, else generated once and kept (mode 0600) in the data dir (the
    worker signs the links of its e-mails with the same: ``reminders.unsubscribe.app_secret``)."""
    from setupflow.reminders.unsubscribe import app_secret

    return app_secret(settings)


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        try:
            authenticated = current_user.is_authenticated
        except Exception:  # no request context user (e.g. a failure before login was set up)
            authenticated = False
        if authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response
