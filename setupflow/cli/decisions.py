"""``setupflow decisions``: the decision log of one site or of many."""
from __future__ import annotations

import click

from .inputs import WHOLE
from .common import JSON_OPTION, echo_json, runtime


def decision_dict(d) -> dict:
    return {"id": d.id, "site": d.site_id, "key": d.key, "value": d.value, "text": d.text,
            "decided_on": d.decided_on, "meeting": d.meeting_id, "recorded_by": d.recorded_by,
            "is_current": d.is_current, "superseded_by": d.superseded_by_id,
            "superseded_reason": d.superseded_reason}


def _print(rows):
    for r in rows:
        state = "" if r["is_current"] else f"  [superseded: {r['superseded_reason']}]"
        value = f" = {r['value']}" if r["value"] else ""
        click.echo(f"{r['id']:>5}  site {r['site']:<4} {r['decided_on']}  {r['key'] or '-'}{value}  {r['text']}{state}")


@click.group()
def decisions():
    """Read and search the decision log."""


@decisions.command("list")
@click.argument("site_id")
@click.option("--search", "text", help="Only decisions whose text or value contains this (any case).")
@JSON_OPTION
def list_(site_id, text, as_json):
    """A site's decisions, newest first, superseded ones included."""
    from ..sites.decisions import search_decisions
    from ..sites.operations import get_site

    with runtime().transaction() as session:
        site = get_site(session, site_id)
        rows = [decision_dict(d) for d in search_decisions(session, [site.id], text)]
    echo_json(rows) if as_json else _print(rows)


@decisions.command()
@click.argument("text")
@click.option("--site", "site_ids", multiple=True, type=WHOLE, help="Limit to these sites (repeat; default: all).")
@JSON_OPTION
def search(text, site_ids, as_json):
    """Search decisions across sites."""
    from sqlalchemy import select

    from ..sites.decisions import search_decisions
    from ..sites.models import Site

    with runtime().transaction() as session:
        scope = list(site_ids) if site_ids else select(Site.id)
        rows = [decision_dict(d) for d in search_decisions(session, scope, text)]
    echo_json(rows) if as_json else _print(rows)
