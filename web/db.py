"""One database transaction per request.

A session is opened the first time a request needs it (``db_session()``), committed
once after the view returned, rolled back when the view raised, and closed (anything
done after the commit rolled back) at the end of the request. Views never commit; operations only flush.
"""
from __future__ import annotations

from flask import Flask, current_app, g
from werkzeug.routing import IntegerConverter

from setupflow.config import Settings
from setupflow.db import MAX_ROW_ID, make_engine, make_session_factory


class RowId(IntegerConverter):
    """``<int:...>`` in a URL: a row id, at most MAX_ROW_ID (an INTEGER key on PostgreSQL).
    A larger number is no such row: 404 from routing, never an out-of-range query (500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


class SetupflowFlask(Flask):
    url_map_class = type("SetupflowMap", (Flask.url_map_class,),
                         {"default_converters": {**Flask.url_map_class.default_converters, "int": RowId}})

    def dispatch_request(self):
        try:
            response = super().dispatch_request()
        except BaseException:
            _end(commit=False)
            raise
        _end(commit=True)
        return response


def _end(commit: bool) -> None:
    """Commit (or roll back) the request's transaction; the session stays open, read-only
    in effect, for error pages and ``after_request``, and is closed at teardown."""
    session = g.get("db_session")
    if session is None:
        return
    if commit:
        session.commit()
    else:
        session.rollback()


def init_app(app: Flask, settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    app.extensions["setupflow_engine"] = engine
    app.extensions["setupflow_sessions"] = make_session_factory(engine)

    from setupflow.definitions import load_catalog

    app.extensions["setupflow_catalog"] = load_catalog(settings.workflow_dirs)

    @app.teardown_request
    def _close(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def db_session():
    if "db_session" not in g:
        g.db_session = current_app.extensions["setupflow_sessions"]()
        g.db_session.info["actor"] = _web_actor  # who changed accounts and people, for the audit log
    return g.db_session


def _web_actor() -> str:
    """The logged-in account as the audit log names it; read from Flask-Login's cache so that
    a flush while the account itself is loading cannot recurse."""
    user = getattr(g.get("_login_user"), "user", None)
    if user is None:
        return "anonymous (web)"
    return f"{user.display_name} <{user.email}>"


def discard_changes() -> None:
    """Roll back what this request flushed (a refused change): nothing half-written stays."""
    if "db_session" in g:
        g.db_session.rollback()


def catalog():
    return current_app.extensions["setupflow_catalog"]


def settings() -> Settings:
    return current_app.config["SETUPFLOW_SETTINGS"]
