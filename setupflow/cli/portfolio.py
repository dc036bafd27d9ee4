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
    recomputation, when a kept count (by health, stage, region and DISP, for every site
    and for each person's own sites) differs from a recount of the stored lines, or when a
    trigger that marks lines stale or keeps the counts is missing; nothing is written.
    Lines marked stale (changed since, another day) are counted, not compared: a reader
    recomputes them first (``setupflow portfolio refresh`` does it for all)."""
    from ..db import utcnow
    from ..portfolio_summary import missing_triggers, verify as check, verify_counts

    with runtime().transaction() as session:
        differences, pending = check(session, now or utcnow())
        counted = verify_counts(session)
        triggers = missing_triggers(session)
        session.rollback()
    rows = [{"site": d.site_id, "column": d.column, "stored": d.stored, "computed": d.computed}
            for d in differences]
    if as_json:
        echo_json({"differences": rows, "stale": pending, "missing_triggers": triggers,
                   "count_differences": [{"user": d.site_id, "key": d.column, "stored": d.stored,
                                          "recounted": d.computed} for d in counted]})
    else:
        for r in rows:
            click.echo(f"site {r['site']}: {r['column']}: stored {r['stored']!r}, computed {r['computed']!r}")
        for d in counted:
            scope = "every site" if d.site_id == 0 else f"the sites of user {d.site_id}"
            click.echo(f"count of {scope}, region|DISP|health|stage|definition|stage index {d.column}: "
                       f"stored {d.stored}, recounted {d.computed}")
        for name in triggers:
            click.echo(f"missing trigger: {name} (changes no longer mark the lines stale)")
        click.echo(f"{len({r['site'] for r in rows})} site(s) differ" if rows else "every stored line matches")
        click.echo(f"{pending} line(s) stale or missing, recomputed by the next reader")
    if rows or triggers or counted:
        raise click.exceptions.Exit(1)


@portfolio.command()
@NOW_OPTION
@click.option("--all", "every", is_flag=True, help="Recompute every line, not only the stale and missing ones.")
def refresh(now, every):
    """Recompute the lines that are stale (the day changed, a next meeting began) or missing,
    then the kept counts from the stored lines."""
    from ..db import utcnow
    from ..portfolio_summary import recount, refresh_all, refresh_day

    with runtime().transaction() as session:
        count = (refresh_all if every else refresh_day)(session, now or utcnow())
        kept = recount(session)
    click.echo(f"{count} line(s) recomputed; {kept} count row(s) rewritten")
