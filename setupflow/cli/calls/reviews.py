"""``setupflow calls conflict`` (and ``programmes conflict``, in programmes.py): a committee member's
declared conflict of interest on an application; their scores of it are refused afterwards
(the same rule as the reviewer's page)."""
from __future__ import annotations

import click

from .commands import KIND_OPTION, calls, load_call
from ..common import AS_OPTION, actor_from, now_utc, runtime


@calls.command("conflict")
@click.argument("site_id")
@click.argument("application_id")
@click.option("--member", required=True, help="The committee member who declares it (as they score).")
@click.option("--reason", help="Why (kept with the declaration).")
@KIND_OPTION
@AS_OPTION
def call_conflict(site_id, application_id, member, reason, call_key, actor):
    """Record a member's conflict of interest on an application: they cannot score it."""
    from ...calls.applications import get_application
    from ...reviews.conflicts import declare

    with runtime().transaction() as session:
        _site, call = load_call(session, site_id, call_key)
        declare(session, member, application=get_application(session, call, application_id),
                actor_name=actor_from(actor).name, now=now_utc(), reason=reason)
    click.echo(f"conflict of interest of {member} on application {application_id} recorded")
