"""``setupflow budget``: the forecast budget of a site."""
from __future__ import annotations

import click

from .inputs import AMOUNT
from .common import AS_OPTION, JSON_OPTION, CliError, actor_from, echo_json, now_utc, runtime


def _site(session, site_id):
    from ..sites.operations import get_site

    return get_site(session, site_id)


@click.group()
def budget():
    """The forecast budget: expense and income lines, planned and actual."""


@budget.command()
@click.argument("site_id")
@JSON_OPTION
def show(site_id, as_json):
    """Show the lines and the totals (euros)."""
    from ..budget.queries import describe

    with runtime().transaction() as session:
        data = describe(session, _site(session, site_id))
    if as_json:
        echo_json(data)
        return
    for ln in data["lines"]:
        actual = f" (actual {ln['actual']})" if ln["actual"] else ""
        click.echo(f"{ln['id']:>4} {ln['kind']:<8} {ln['status']:<9} {ln['planned']:>12}{actual}  "
                   f"{ln['category']}: {ln['label']}{' - ' + ln['funder'] if ln['funder'] else ''}")
    t = data["totals"]
    click.echo(f"expenses {t['expense_planned']}, income {t['income_planned']} (granted {t['income_granted']}), "
               f"balance {t['balance_planned']}")


@budget.command()
@click.argument("site_id")
@click.option("--kind", required=True, type=click.Choice(["expense", "income"], case_sensitive=False), help="Expense or income.")
@click.option("--category", required=True, help="Category (staff, equipment, grants...).")
@click.option("--label", required=True, help="What the line is.")
@click.option("--planned", required=True, type=AMOUNT, help="Forecast amount in euros, e.g. '12 500,00'.")
@click.option("--funder", help="Who funds it (income lines).")
@click.option("--status", type=click.Choice(["planned", "requested", "granted", "refused"], case_sensitive=False),
              help="planned (expenses); requested, granted or refused (income).")
@click.option("--actual", type=AMOUNT, help="Actual amount in euros, once known.")
@AS_OPTION
@JSON_OPTION
def add(site_id, kind, category, label, planned, funder, status, actual, actor, as_json):
    """Add a budget line."""
    from ..budget.operations import add_line

    with runtime().transaction() as session:
        line = add_line(session, _site(session, site_id), kind=kind, category=category, label=label,
                        planned=planned, funder=funder, status=status, actual=actual, actor=actor_from(actor),
                        now=now_utc())
        line_id = line.id
    echo_json({"id": line_id}) if as_json else click.echo(f"budget line {line_id} added")


@budget.command()
@click.argument("site_id")
@click.argument("line_id")
@click.option("--category", help="Category.")
@click.option("--label", help="What the line is.")
@click.option("--planned", type=AMOUNT, help="Forecast amount in euros.")
@click.option("--actual", type=AMOUNT, help="Actual amount in euros.")
@click.option("--funder", help="Who funds it.")
@click.option("--status", type=click.Choice(["planned", "requested", "granted", "refused"], case_sensitive=False), help="New status.")
@AS_OPTION
def change(site_id, line_id, actor, **fields):
    """Change a budget line; the change is kept in its history."""
    from ..budget.operations import change_line, get_line

    fields = {k: v for k, v in fields.items() if v is not None}
    if not fields:
        raise CliError("change: nothing to change")
    with runtime().transaction() as session:
        site = _site(session, site_id)
        change_line(session, site, get_line(session, site, line_id), actor=actor_from(actor), now=now_utc(),
                    **fields)
    click.echo(f"budget line {line_id} changed: {', '.join(sorted(fields))}")


@budget.command()
@click.argument("site_id")
@click.argument("line_id")
@JSON_OPTION
def history(site_id, line_id, as_json):
    """Who changed a budget line, when, and from what to what."""
    from ..budget.operations import get_line
    from ..budget.queries import history as line_history

    with runtime().transaction() as session:
        site = _site(session, site_id)
        rows = line_history(session, get_line(session, site, line_id))
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['at'][:16]}  {r['actor']:<24} {r['changes']}")
