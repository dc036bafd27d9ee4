"""Calendar feed route: ``GET /feeds/<token>.ics``, 404 for an unknown or revoked token.

To be registered by the web application: ``app.register_blueprint(feeds_blueprint(factory))``
with the application's session factory. No login: the token is the secret.

Calendar apps poll a subscribed feed every few minutes: the response carries the feed's
version as a (weak) ETag, and a request whose ``If-None-Match`` names the current version
gets "304 Not Modified" without the feed being written (see ``setupflow.reminders.feeds``).
``no-cache``: an app asks every time (cheap now), so a change shows at its very next poll.
The parts written for a request are kept in the database (``keep=True``) in the request's
own transaction, committed as the response is made.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, abort, request

from setupflow.db import transaction
from setupflow.errors import NotFound
from setupflow.reminders.feeds import open_feed, write_feed


def _programmes():
    """The programmes' definitions, to title their meetings (None in an app without them)."""
    from flask import current_app

    catalog = current_app.extensions.get("setupflow_programmes")
    if catalog is None and "SETUPFLOW_SETTINGS" in current_app.config:
        from .programmes.routes import catalog as load

        catalog = load()
    return catalog


def feeds_blueprint(session_factory) -> Blueprint:
    bp = Blueprint("feeds", __name__)

    @bp.get("/feeds/<token>.ics")
    def feed(token: str):
        now = datetime.now(timezone.utc)
        try:
            with transaction(session_factory) as session:
                opened = open_feed(session, token, now)
                unchanged = request.if_none_match.contains_weak(opened.version)
                data = None if unchanged else write_feed(session, opened, now, _programmes(), keep=True)
        except NotFound:
            abort(404)
        response = Response(data, status=304 if unchanged else 200, mimetype="text/calendar",
                            headers={"Cache-Control": "private, no-cache",
                                     "Content-Disposition": 'inline; filename="setupflow.ics"'})
        response.set_etag(opened.version, weak=True)
        return response

    return bp
