"""``setupflow workflows``: list, show and validate definitions."""
from __future__ import annotations

from pathlib import Path

import click

from .common import CliError, echo_json, runtime


@click.group()
def workflows():
    """List, show and validate workflow definitions (folders in SETUPFLOW_WORKFLOWS_DIR)."""


@workflows.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_(as_json):
    """List the definitions found, with their version and stages."""
    catalog = runtime().catalog
    rows = [{"id": lw.workflow.id, "version": lw.workflow.version, "title": lw.workflow.title.en,
             "stages": [s.id for s in lw.workflow.stages], "source": lw.source} for lw in catalog]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:<16} v{row['version']:<4} {' > '.join(row['stages'])}  ({row['source']})")


@workflows.command()
@click.argument("workflow_id")
@click.option("--json", "as_json", is_flag=True, help="Print the validated definition as JSON.")
@click.option("--lang", type=click.Choice(["fr", "en"], case_sensitive=False), default="fr", show_default=True, help="Language of labels.")
def show(workflow_id, as_json, lang):
    """Show one definition: stages, durations, tasks, gates, committees and deadlines."""
    try:
        lw = runtime().catalog.get(workflow_id)
    except LookupError as exc:
        raise CliError(str(exc)) from None
    wf = lw.workflow
    if as_json:
        echo_json(lw.document)
        return
    click.echo(f"{wf.title.get(lang)} ({wf.id} v{wf.version}, {lw.source})")
    for i, stage in enumerate(wf.stages, 1):
        click.echo(f"\n{i}. {stage.label.get(lang)} [{stage.id}] {stage.duration.min}-{stage.duration.max} months")
        for task in stage.tasks:
            mark = "*" if task.id in stage.gate.tasks else "-"
            click.echo(f"   {mark} {task.label.get(lang)} [{task.id}, {task.role}]")
        for key in stage.gate.decisions:
            click.echo(f"   * decision: {wf.decision(key).label.get(lang)} [{key}]")
    click.echo(f"\n-> {wf.final.label.get(lang)} [{wf.final.id}]")
    for c in wf.committees:
        click.echo(f"committee: {c.label.get(lang)} [{c.id}]")
    for d in wf.deadlines:
        click.echo(f"deadline: {d.label.get(lang)} [{d.id}] {d.relative_to} {d.offset.earliest:+d}..{d.offset.latest:+d} months")
    click.echo("\n(* = required to leave the stage)")


@workflows.command()
@click.argument("paths", nargs=-1, type=click.Path())
def validate(paths):
    """Validate definition files or folders (default: the configured folders).

    Exits 0 when every file is valid, 2 otherwise, with one line per problem.
    """
    from ..definitions import load_catalog

    from ..definitions.loader import DefinitionError
    from ..definitions.programmes import FOLDER, load_programmes

    paths = paths or runtime().settings.workflow_dirs
    # programme definitions: the programmes/ sub-folder of a folder, or files inside one
    site_paths = [p for p in paths if not (Path(p).is_file() and Path(p).parent.name == FOLDER)
                  and Path(p).name != FOLDER]
    problems = []
    catalog = programmes = None
    if site_paths:
        try:
            catalog = load_catalog(site_paths)
        except DefinitionError as exc:
            problems.extend(exc.problems)
    try:
        programmes = load_programmes(paths)
    except DefinitionError as exc:
        problems.extend(exc.problems)
    if problems:
        raise DefinitionError(problems)
    for lw in catalog or ():
        click.echo(f"ok {lw.source}: {lw.workflow.id} v{lw.workflow.version}")
    for lp in sorted(programmes.loaded.values(), key=lambda lp: lp.source):
        click.echo(f"ok {lp.source}: programme {lp.programme.id} v{lp.programme.version}")
