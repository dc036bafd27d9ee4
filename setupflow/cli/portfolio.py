"""``setupflow portfolio``: the stored portfolio lines (one a site), refreshed and checked."""
from __future__ import annotations

import click

from .inputs import INSTANT
from .common import JSON_OPTION, echo_json, runtime

NOW_OPTION = click.option("--now", type=INSTANT, metavar="ISO-DATETIME",
                          help="Compute as of this instant (default: now; local time without an offset).")

@click.group()
def portfolio():
    """The portfolio's stored lines: health, forecast, next deadline and meeting of every site."""

@portfolio.command()
@NOW_OPTION
@JSON_OPTION
def verify(now, as_json):
    """Recompute every site's line from scratch and compare it with the stored one.

    Exits 1 and lists the differences when a line a reader would show differs from its
    recomputation, or when a trigger that marks lines stale is missing; nothing is written.
    Lines marked stale (changed since, another day) are counted, not compared: a reader
    recomputes them first (``setupflow portfolio refresh`` does it for all)."""
    from ..db import utcnow
    from ..portfolio_summary import missing_triggers, verify as check

    with runtime().transaction() as session:
        differences, pending = check(session, now or utcnow())
        triggers = missing_triggers(session)
        session.rollback()
    rows = [{"site": d.site_id, "column": d.column, "stored": d.stored, "computed": d.computed}
            for d in differences]
    if as_json:
        echo_json({"differences": rows, "stale": pending, "missing_triggers": triggers})
    else:
        for r in rows:
            click.echo(f"site {r['site']}: {r['column']}: stored {r['stored']!r}, computed {r['computed']!r}")
        for name in triggers:
            click.echo(f"missing trigger: {name} (changes no longer mark the lines stale)")
        click.echo(f"{len({r['site'] for r in rows})} site(s) differ" if rows else "every stored line matches")
        click.echo(f"{pending} line(s) stale or missing, recomputed by the next reader")
    if rows or triggers:
        raise click.exceptions.Exit(1)


@portfolio.command()
@NOW_OPTION
@click.option("--all", "every", is_flag=True, help="Recompute every line, not only the stale and missing ones.")
def refresh(now, every):
    """Recompute the lines that are stale (the day changed, a next meeting began) or missing."""
    from ..db import utcnow
    from ..portfolio_summary import refresh_all, refresh_day

    with runtime().transaction() as session:
        count = (refresh_all if every else refresh_day)(session, now or utcnow())
    click.echo(f"{count} line(s) recomputed")
