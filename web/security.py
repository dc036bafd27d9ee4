"""Security headers on every response (errors included), the secret key, no-store pages."""
from __future__ import annotations

from flask import Flask, request
from flask_login import current_user

from setupflow.config import Settings

#: one year; no includeSubDomains (other services of the domain are not ours to decide)
HSTS = "max-age=31536000"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def secret_key(settings: Settings) -> str:
    """From the settings, else generated once and kept (mode 0600) in the data dir."""
    from setupflow.installation import installation_secret

    return installation_secret(settings)


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        origins = app.config.get("SETUPFLOW_FORM_ACTION_ORIGINS")  # a sign-in provider's (ProConnect)
        response.headers["Content-Security-Policy"] = (
            CSP.replace("form-action 'self'", "form-action 'self' " + " ".join(origins)) if origins else CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.is_secure:  # https, directly or as said by a trusted proxy (SETUPFLOW_PROXY_HOPS)
            response.headers["Strict-Transport-Security"] = HSTS
        try:
            authenticated = current_user.is_authenticated
        except Exception:  # no request context user (e.g. a failure before login was set up)
            authenticated = False
        if authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response
