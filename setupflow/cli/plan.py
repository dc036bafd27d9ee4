"""``setupflow plan``: the retro-planning of a definition, without any site."""
from __future__ import annotations

from datetime import date

import click

from .common import CliError, echo_json, runtime


def parse_day(value: str, option: str) -> date:
    from ..inputs import day

    return day(value, option)


def print_plan(plan, workflow, lang="fr"):
    """The plan as a table: one row per stage, then the deadlines."""
    click.echo(f"{'stage':<12}{'starts between':<26}{'ends between':<26}")
    for sp in plan.stages:
        click.echo(f"{sp.stage_id:<12}{sp.start.earliest} .. {sp.start.latest}  {sp.end.earliest} .. {sp.end.latest}  "
                   f"{workflow.stage(sp.stage_id).label.get(lang)}")
    if plan.deadlines:
        click.echo(f"\n{'deadline':<16}{'window':<26}")
    for dp in plan.deadlines:
        note = " (estimate: its anchor date is not known yet)" if dp.is_estimate else ""
        click.echo(f"{dp.deadline.id:<16}{dp.window.earliest} .. {dp.window.latest}  "
                   f"{dp.deadline.label.get(lang)}{note}")


@click.command()
@click.option("--workflow", "workflow_id", required=True, help="Workflow id, e.g. cress-disp.")
@click.option("--opening", help="Target opening date (YYYY-MM-DD): plan backwards from it.")
@click.option("--start", help="Start date (YYYY-MM-DD): plan forwards from it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plan(workflow_id, opening, start, as_json):
    """Stage windows and deadlines, backwards from --opening or forwards from --start."""
    from ..planning import backward, forward

    if bool(opening) == bool(start):
        raise CliError("give exactly one of --opening or --start")
    try:
        workflow = runtime().catalog.get(workflow_id).workflow
    except LookupError as exc:
        raise CliError(f"--workflow: {exc}") from None
    result = backward(workflow, parse_day(opening, "--opening")) if opening else \
        forward(workflow, parse_day(start, "--start"))
    if as_json:
        echo_json({"workflow": workflow.id, "version": workflow.version, **result.as_dict()})
    else:
        print_plan(result, workflow)
