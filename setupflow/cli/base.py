"""``setupflow init`` and ``setupflow demo``."""
from __future__ import annotations

import click

from .common import CliError, now_utc, runtime


@click.command()
def init():
    """Create the database, or upgrade it to the schema this version expects."""
    from ..migrate import current_revision, head_revision, upgrade

    rt = runtime()
    before = current_revision(rt.engine)
    upgrade(rt.engine)
    after = head_revision()
    if before == after:
        click.echo(f"database already at {after} ({rt.settings.database_url})")
    else:
        click.echo(f"database ready at {after} ({rt.settings.database_url})")


@click.command()
@click.option("--reset", is_flag=True, help="Delete every existing row first (demo databases only).")
def demo(reset):
    """Create fictional demo sites in several stages and regions."""
    from sqlalchemy import func, select

    from ..demo import build_demo
    from ..migrate import upgrade
    from ..sites.models import Site

    rt = runtime()
    upgrade(rt.engine)
    with rt.transaction() as session:
        existing = session.scalar(select(func.count()).select_from(Site))
        if existing and not reset:
            raise CliError(f"the database already holds {existing} sites; use --reset to replace them with demo data")
        if reset:
            from ..all_models import metadata

            for table in reversed(metadata.sorted_tables):
                session.execute(table.delete())
        sites = build_demo(session, rt.catalog, now_utc(), rt.settings.default_workflow)
    click.echo(f"demo data: {len(sites)} sites in {rt.settings.database_url}")
    from ..accounts.demo import DEMO_PASSWORD, DEMO_USERS

    click.echo(f"demo logins (password for all: {DEMO_PASSWORD}):")
    for email, _name, role, _region, _site in DEMO_USERS:
        click.echo(f"  {role:8} {email}")
