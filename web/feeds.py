"""Calendar feed route: ``GET /feeds/<token>.ics``, 404 for an unknown or revoked token.

To be registered by the web application: ``app.register_blueprint(feeds_blueprint(factory))``
with the application's session factory. No login: the token is the secret.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, abort

from setupflow.db import transaction
from setupflow.errors import NotFound
from setupflow.reminders.feeds import feed_for_token


def feeds_blueprint(session_factory) -> Blueprint:
    bp = Blueprint("feeds", __name__)

    @bp.get("/feeds/<token>.ics")
    def feed(token: str):
        try:
            with transaction(session_factory) as session:
                data = feed_for_token(session, token, datetime.now(timezone.utc))
        except NotFound:
            abort(404)
        return Response(data, mimetype="text/calendar",
                        headers={"Cache-Control": "private, max-age=300",
                                 "Content-Disposition": 'inline; filename="setupflow.ics"'})

    return bp
