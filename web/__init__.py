"""The setupflow web application: a thin, server-rendered shell over the engine.

``create_app(settings, test_config)`` builds the app; one blueprint per feature; one
database transaction per request (see ``web.db``).
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask, g, redirect, url_for
from flask_login import current_user

from setupflow.clock import use_timezone
from setupflow.config import Settings


def create_app(settings: Settings | None = None, test_config: dict | None = None) -> Flask:
    from . import db, errors, i18n, inputs, labels, security
    from .auth.routes import bp as auth_bp, init_login
    from .glossary.routes import bp as glossary_bp, init_glossary
    from .portfolio.routes import bp as portfolio_bp
    from .sites.routes import bp as sites_bp
    from .actions.routes import bp as actions_bp
    from .decisions.routes import bp as decisions_bp
    from .documents.routes import bp as documents_bp
    from .meetings.routes import bp as meetings_bp
    from .team.routes import bp as team_bp
    from .programmes.routes import bp as programmes_bp
    from .programmes import meetings as _programme_meetings  # noqa: F401  (its pages join the programmes' routes)
    from .programmes.workshop import bp as workshop_bp
    from .diagnostic.routes import bp as diagnostic_bp
    from .calls.routes import bp as calls_bp
    from .calls.applications import upload_limit
    from .support.routes import bp as support_bp
    from .budget.routes import bp as budget_bp
    from .notifications.routes import bp as notifications_bp
    from .feeds import feeds_blueprint

    settings = settings or Settings.from_env()
    use_timezone(settings.timezone)
    app = db.SetupflowFlask(__name__)
    app.config.update(
        SETUPFLOW_SETTINGS=settings,
        SECRET_KEY=security.secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="setupflow_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        # a fixed clock for tests: a callable returning an aware UTC datetime
        SETUPFLOW_NOW=None,
        # loopback http serving (``setupflow serve`` on 127.0.0.1) cannot carry Secure cookies
        SETUPFLOW_PLAIN_HTTP=False,
    )
    if test_config:
        app.config.update(test_config)
    secure = not (app.debug or app.testing or app.config["SETUPFLOW_PLAIN_HTTP"])
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = secure

    if settings.proxy_hops:
        # behind that many trusted proxies: the client's address, the scheme (https, which
        # turns HSTS on), the host and the port come from their X-Forwarded-* headers
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    db.init_app(app, settings)
    security.init_app(app)
    inputs.init_app(app)
    errors.init_app(app)
    errors.init_stale_edits(app)
    labels.init_app(app)
    i18n.init_app(app)
    init_login(app)
    from .auth.proconnect import init_proconnect
    init_proconnect(app, settings)
    init_glossary(app)
    for blueprint in (auth_bp, sites_bp, portfolio_bp, glossary_bp, meetings_bp, decisions_bp, actions_bp, team_bp,
                      documents_bp, programmes_bp, workshop_bp,
                      diagnostic_bp, calls_bp, support_bp, budget_bp, notifications_bp):
        app.register_blueprint(blueprint)
    # calendar apps read feeds without a session: the token is the credential (GET only, no CSRF)
    app.register_blueprint(feeds_blueprint(app.extensions["setupflow_sessions"]))
    app.before_request_funcs.setdefault(None, []).insert(0, upload_limit)
    from .applicants import register as register_applicants
    register_applicants(app)

    @app.get("/")
    def home():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        from .portfolio.routes import landing_url

        return redirect(landing_url(current_user))

    return app


def now() -> datetime:
    """The request's clock (fixed in tests through ``SETUPFLOW_NOW``)."""
    from flask import current_app

    if "now" not in g:
        clock = current_app.config.get("SETUPFLOW_NOW")
        g.now = clock() if clock else datetime.now(timezone.utc)
    return g.now
