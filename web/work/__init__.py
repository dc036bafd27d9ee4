"""Pages for the work of each stage (diagnostic, call, support, budget) and the
notifications page. Every site page lives under ``/sites/<site_id>/...`` and asks the
same access rules as the site page: 404 without the right to the site, 403 on a POST
the person's role may not make."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from ..budget.routes import bp as budget_bp
    from ..calls.routes import bp as calls_bp
    from ..diagnostic.routes import bp as diagnostic_bp
    from ..notifications.routes import bp as notifications_bp
    from ..support.routes import bp as support_bp

    from ..feeds import feeds_blueprint

    for blueprint in (diagnostic_bp, calls_bp, support_bp, budget_bp, notifications_bp):
        app.register_blueprint(blueprint)
    # calendar apps read feeds without a session: the token is the credential (GET only, no CSRF)
    app.register_blueprint(feeds_blueprint(app.extensions["setupflow_sessions"]))
    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)


def _upload_limit():
    """Application files may weigh up to the engine's limit; every other request keeps
    MAX_CONTENT_LENGTH. Runs before the CSRF check, which reads the body."""
    from flask import request

    from ..calls.applications import UPLOAD_LIMIT

    if request.endpoint == "calls.upload":
        request.max_content_length = UPLOAD_LIMIT
