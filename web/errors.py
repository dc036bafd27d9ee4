"""Error pages: same layout and security headers as every page."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return render_template("errors/error.html", title=_("Form expired"),
                               message=_("The form was missing its security token or it expired. "
                                         "Go back, reload the page and try again.")), 400

    @app.errorhandler(HTTPException)
    def _http(exc):
        titles = {403: _("Not allowed"), 404: _("Page not found"), 400: _("Bad request"),
                  405: _("Not allowed"), 413: _("File too large"), 429: _("Too many requests")}
        messages = {403: _("Your role does not allow this action."),
                    404: _("This page does not exist, or you do not have access to it."),
                    400: _("The request could not be understood."),
                    413: _("What you sent is larger than allowed (10 MB for a file); nothing was saved.")}
        return render_template("errors/error.html", title=titles.get(exc.code, exc.name),
                               message=messages.get(exc.code, exc.description)), exc.code

    @app.errorhandler(500)
    def _server(exc):
        return render_template("errors/error.html", title=_("Server error"),
                               message=_("Something went wrong on our side; nothing was saved.")), 500


def init_stale_edits(app: Flask) -> None:
    """Two people changed the same site at once: the second change is refused, not merged."""
    from sqlalchemy.orm.exc import StaleDataError

    @app.errorhandler(StaleDataError)
    def _stale(exc):
        return render_template("errors/error.html", title=_("Changed meanwhile"),
                               message=_("Someone changed this site at the same time; nothing of yours was saved. "
                                         "Reload the page and try again.")), 409

    from sqlalchemy.exc import IntegrityError

    from setupflow.db import is_unique_violation

    @app.errorhandler(IntegrityError)
    def _duplicate(exc):
        """Two requests created the same thing at once (an account, a call, a version...):
        the check before the insert passed for both, the database's unique key refused the
        second. Answer like a stale edit; any other integrity error is a bug (500)."""
        from .db import discard_changes

        discard_changes()
        if not is_unique_violation(exc):
            raise exc
        return render_template("errors/error.html", title=_("Already done meanwhile"),
                               message=_("Someone created the same thing at the same time; nothing of yours was "
                                         "saved. Reload the page to see it.")), 409
