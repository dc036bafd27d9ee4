"""``setupflow calls`` (continued): a call that ended without a selection, and the record of
every call of a site (the unsuccessful ones included)."""
from __future__ import annotations

import click

from .commands import KIND_OPTION, calls, load_call
from ..common import AS_OPTION, JSON_OPTION, actor_from, echo_json, now_utc, runtime


@calls.command("unsuccessful")
@click.argument("site_id")
@click.option("--reason", required=True, help="Why the call ends without a selection (recorded in the history).")
@KIND_OPTION
@AS_OPTION
def unsuccessful(site_id, reason, call_key, actor):
    """Close a call that drew no suitable candidate as unsuccessful; it stays in the record, and
    `setupflow calls create SITE` then drafts a new one."""
    from ...calls.operations import close_unsuccessful

    with runtime().transaction() as session:
        site, call = load_call(session, site_id, call_key)
        close_unsuccessful(session, site, call, reason, actor=actor_from(actor), now=now_utc())
        call_id, key = call.id, call.call_key
    click.echo(f"call {call_id} ({key}) closed as unsuccessful; draft the next one with: "
               f"setupflow calls create {site_id} --kind {key}")


@calls.command("list")
@click.argument("site_id")
@JSON_OPTION
def list_calls(site_id, as_json):
    """Every call of the site, the current ones and those closed as unsuccessful."""
    from ...calls.operations import state_of
    from ...calls.queries import calls_of
    from ...sites.operations import get_site

    now = now_utc()
    with runtime().transaction() as session:
        rows = [{"id": c.id, "call": c.call_key, "title": c.title, "state": state_of(c, now),
                 "published_on": c.published_on.isoformat() if c.published_on else None,
                 "closes_on": c.closes_on.isoformat() if c.closes_on else None,
                 "unsuccessful_reason": c.unsuccessful_reason}
                for c in calls_of(session, get_site(session, site_id))]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        why = f" ({row['unsuccessful_reason']})" if row["unsuccessful_reason"] else ""
        click.echo(f"{row['id']:>4}  {row['call']:<14} {row['state']:<13} {row['title']}{why}")
