"""``setupflow serve``: the web app on one machine (SQLite install), with waitress.

Production shape instead: gunicorn workers running ``web.wsgi:app`` against
PostgreSQL, plus exactly one ``setupflow worker`` process for the reminders.
"""
from __future__ import annotations

from typing import Callable

import click

from .common import runtime


def start_background_services(settings) -> list[Callable[[], None]]:
    """Start what runs beside the web app in a one-machine install; returns their stop
    functions. Here: the reminder worker, in background threads of this process.
    gunicorn deployments never call this: they run one ``setupflow worker`` process."""
    from ..reminders.leader import WorkerBusy
    from ..reminders.worker import start_background, stop_background

    try:
        scheduler = start_background(settings)
    except WorkerBusy as exc:
        click.echo(f"reminders: not started here ({exc})", err=True)
        return []
    click.echo("reminders: the worker runs in this process (sweep every minute)")
    return [lambda: stop_background(scheduler)]


def demo_logins(session) -> list[tuple[str, str]]:
    """(role, e-mail) of the demo accounts present in the database."""
    from sqlalchemy import select

    from ..accounts.demo import DEMO_USERS
    from ..accounts.models import User

    emails = [u[0] for u in DEMO_USERS]
    found = dict(session.execute(select(User.email, User.role).where(User.email.in_(emails), User.is_active)).all())
    return [(found[e], e) for e in emails if e in found]


def served_settings(settings, shown_host: str, port: int, env=None):
    """The settings with ``base_url`` the address this server answers on, when no
    SETUPFLOW_BASE_URL is configured: the links of e-mails and calendar feeds then reach it."""
    import dataclasses
    import os
    import socket

    env = os.environ if env is None else env
    if env.get("SETUPFLOW_BASE_URL"):
        return settings
    host = socket.gethostname() if shown_host in ("0.0.0.0", "[::]") else shown_host
    return dataclasses.replace(settings, base_url=f"http://{host}:{port}")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads of the WSGI server.")
def serve(host, port, threads):
    """Create or upgrade the database, then serve the web app until interrupted."""
    from waitress import create_server  # a core dependency: the one-machine shape needs no extra
    from ..accounts.demo import DEMO_PASSWORD
    from ..db import transaction
    from ..migrate import upgrade

    rt = runtime()
    upgrade(rt.engine)
    from web import create_app

    settings = rt.settings
    app = create_app(settings, test_config={"SETUPFLOW_PLAIN_HTTP": not settings.base_url.startswith("https://")})
    with transaction(rt.session_factory) as session:
        logins = demo_logins(session)
    from ..server_process import tune_collector_for_a_server

    tune_collector_for_a_server()
    server = create_server(app, host=host, port=port, threads=threads, ident="setupflow")
    shown_host = f"[{host}]" if ":" in host else host
    settings = served_settings(settings, shown_host, server.effective_port)
    app.config["SETUPFLOW_SETTINGS"] = settings
    click.echo(f"setupflow is running on http://{shown_host}:{server.effective_port}/ (Ctrl+C to stop)")
    if logins:
        click.echo(f"demo data: log in with one of these e-mails and the password {DEMO_PASSWORD}")
        for role, email in logins:
            click.echo(f"  {role:8} {email}")
    stops = start_background_services(settings)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        for stop in stops:
            stop()
        server.close()
