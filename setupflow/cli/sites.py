"""``setupflow site``: create sites and move them through the stages."""
from __future__ import annotations

import click
from sqlalchemy import select

from ..clock import local_date
from .inputs import DAY
from .common import AS_OPTION, JSON_OPTION, actor_from, echo_json, now_utc, runtime


@click.group()
def site():
    """Create sites, show where they stand and move them through the stages."""


@site.command()
@click.option("--name", required=True, help="Name of the site, e.g. 'Atelier de Rennes-Vezin'.")
@click.option("--workflow", "workflow_id", required=True, help="Workflow id, e.g. cress-disp.")
@click.option("--start", required=True, type=DAY, help="Start date (YYYY-MM-DD).")
@click.option("--opening", required=True, type=DAY, help="Target opening date (YYYY-MM-DD).")
@click.option("--establishment", help="Prison establishment (EP).")
@click.option("--region", help="Region, e.g. Bretagne.")
@click.option("--disp", help="DISP, e.g. 'DISP Rennes'.")
@click.option("--department", help="Department number, e.g. 35 (regional holidays).")
@click.option("--confirm", is_flag=True, help="Keep a target opening earlier than the method allows.")
@AS_OPTION
@JSON_OPTION
def create(name, workflow_id, start, opening, establishment, region, disp, department, confirm, actor, as_json):
    """Create a site in the first stage of a workflow."""
    from ..sites.operations import create_site

    rt = runtime()
    now = now_utc()
    with rt.transaction() as session:
        created = create_site(session, rt.catalog, name=name, workflow_id=workflow_id, start_on=start,
                              opening_on=opening, actor=actor_from(actor), now=now, establishment=establishment,
                              region=region, disp=disp, department=department, confirmed=confirm)
        site_id, stage = created.id, created.stage
    if as_json:
        echo_json({"id": site_id, "name": name, "workflow": workflow_id, "stage": stage})
    else:
        click.echo(f"site {site_id} created in stage '{stage}'")


@site.command("list")
@JSON_OPTION
def list_(as_json):
    """List every site with its stage."""
    from ..sites.models import Site

    with runtime().transaction() as session:
        rows = [{"id": s.id, "name": s.name, "workflow": s.workflow_id, "stage": s.stage, "region": s.region,
                 "target_opening_on": s.target_opening_on.isoformat()}
                for s in session.scalars(select(Site).order_by(Site.id))]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("no site yet: create one with `setupflow site create`")
        return
    click.echo(f"{'id':>4}  {'stage':<10} {'opening':<10}  {'region':<18} name")
    for r in rows:
        click.echo(f"{r['id']:>4}  {r['stage']:<10} {r['target_opening_on']}  {(r['region'] or '-'):<18} {r['name']}")


@site.command()
@click.argument("site_id")
@click.option("--lang", type=click.Choice(["fr", "en"], case_sensitive=False), default="fr", show_default=True)
@JSON_OPTION
def show(site_id, lang, as_json):
    """Show a site: its stage, its gate, its tasks and its planning."""
    from ..sites.operations import get_site
    from ..sites.summary import describe

    from ..next_steps import next_steps

    with runtime().transaction() as session:
        found = get_site(session, site_id)
        at = now_utc()
        data = describe(session, found, local_date(at), lang)
        steps = next_steps(session, found, at, lang)
        data["next_steps"] = steps.as_dict()["steps"]
    if as_json:
        echo_json(data)
        return
    click.echo(f"{data['name']} (site {data['id']}, {data['workflow']} v{data['workflow_version']})")
    click.echo(f"stage: {data['stage_label']} [{data['stage']}] since {data['stage_entered_on']}")
    click.echo(f"target opening: {data['target_opening_on']}; forecast "
               f"{data['forecast']['opening']['earliest']} .. {data['forecast']['opening']['latest']}"
               + ("  ** past the stage's maximum duration **" if data["forecast"]["is_past_hard_max"] else
                  "  ** past the stage's usual duration **" if data["forecast"]["is_past_max"] else ""))
    click.echo("planning (backwards from the target opening):")
    for sp in data["plan"]["stages"]:
        here = "  <- here" if sp["id"] == data["stage"] else ""
        click.echo(f"  {sp['id']:<10} {sp['start']['earliest']} .. {sp['start']['latest']}  ->  "
                   f"{sp['end']['earliest']} .. {sp['end']['latest']}{here}")
    for dl in data["forecast"]["deadlines"]:
        state = f"done {dl['done_on']}" if dl.get("done_on") else ("estimate" if dl["estimate"] else "")
        click.echo(f"  deadline {dl['id']}: {dl['earliest']} .. {dl['latest']} {state}".rstrip())
    gate = data["gate"]
    click.echo(f"gate: {'met' if gate['met'] else 'not met'}")
    for c in gate["conditions"]:
        value = f" = {c['value']}" if c.get("value") else ""
        by_work = " (met by the work)" if c.get("evidence") else ""
        click.echo(f"  [{'x' if c['met'] else ' '}] {c['kind']} {c['key']}: {c['label']}{value}{by_work}")
    click.echo("next steps:")
    for line in step_lines(steps):
        click.echo(f"  {line}")


def step_lines(steps) -> list[str]:
    """The next steps of ``setupflow.next_steps`` as English lines, each with its page."""
    def days(s):
        if s.days_left is None:
            return ""
        if s.days_left < 0:
            return f" ({-s.days_left} day(s) late)"
        return f" (in {s.days_left} day(s))"

    out = []
    for s in steps.steps:
        who = f" [{s.who}]" if s.who else ""
        if s.kind == "meeting":
            text = f"next meeting: {s.label}, {s.at:%Y-%m-%d %H:%M}" + (" (proposed, to confirm)"
                                                                      if "to_confirm" in s.flags else "")
        elif s.kind == "agenda_missing":
            text = f"before it: send the agenda{who}"
        elif s.kind == "minutes_missing":
            text = f"minutes of the {s.label} meeting of {s.on} to write{who}"
        elif s.kind in ("action_overdue", "action_due"):
            text = f"{'late' if s.kind == 'action_overdue' else 'coming'}: {s.label}{who}, due {s.on}"
        elif s.kind == "deadline":
            text = f"{s.label}: between {s.starts_on} and {s.on}" + (" (estimate)" if "estimate" in s.flags else "")
        elif s.kind == "stage_max":
            text = f"the stage reaches its maximum duration on {s.on}"
        elif s.kind == "task":
            text = f"task: {s.label} (usually carried by: {s.who})" + (" (required)" if "required" in s.flags else "")
        else:
            text = f"decision still needed: {s.label}" + (f" (taken by the {s.who})" if s.who else "")
        out.append(f"{text}{days(s)} -> {s.path}")
    if not out:
        out.append("nothing to do for now")
    return out


def _load(session, site_id):
    from ..sites.operations import get_site

    return get_site(session, site_id)


@site.command()
@click.argument("site_id")
@click.option("--confirm", is_flag=True, help="Move on before the stage's minimum duration (recorded as early).")
@AS_OPTION
@JSON_OPTION
def advance(site_id, confirm, actor, as_json):
    """Move a site to its next stage; refused, with what is missing, while the gate is not met."""
    from ..sites.operations import advance_alone

    context = runtime()
    context.require_schema()
    target = advance_alone(context.session_factory, site_id, actor_from(actor), now_utc(), confirmed=confirm)
    if as_json:
        echo_json({"id": int(site_id), "stage": target})
    else:
        click.echo(f"site {site_id} is now in '{target}'")


@site.command()
@click.argument("site_id")
@click.argument("stage_id")
@click.option("--reason", required=True, help="Why the stage is reopened (kept in the history).")
@AS_OPTION
def reopen(site_id, stage_id, reason, actor):
    """Take a site back to an earlier stage (managers; a reason is required)."""
    from ..sites.operations import reopen as reopen_site

    with runtime().transaction() as session:
        target = reopen_site(session, _load(session, site_id), stage_id, actor_from(actor), reason, now_utc())
    click.echo(f"site {site_id} is back in '{target}'")


@site.command()
@click.argument("site_id")
@click.argument("key")
@click.option("--done/--undone", default=True, help="Mark the task done (default) or not done.")
@AS_OPTION
def task(site_id, key, done, actor):
    """Mark a task of the method done or not done."""
    from ..sites.operations import set_task

    with runtime().transaction() as session:
        set_task(session, _load(session, site_id), key, done, actor_from(actor), now_utc())
    click.echo(f"task {key}: {'done' if done else 'not done'}")


@site.command()
@click.argument("site_id")
@click.argument("key")
@click.argument("value")
@click.option("--text", help="The decision as written in the record.")
@click.option("--supersede", "reason", help="Reason, when this replaces a decision already taken.")
@AS_OPTION
@JSON_OPTION
def decide(site_id, key, value, text, reason, actor, as_json):
    """Record a decision that a gate needs, e.g. `decide 3 structure_type EA`."""
    from ..sites.operations import record_decision

    with runtime().transaction() as session:
        decision = record_decision(session, _load(session, site_id), key=key, value=value, text=text,
                                   actor=actor_from(actor), now=now_utc(), supersede_reason=reason)
        out = {"id": decision.id, "key": key, "value": decision.value}
    if as_json:
        echo_json(out)
    else:
        click.echo(f"decision {out['id']}: {key} = {out['value']}")


def _one_or_all(site_id, every: bool, command: str) -> None:
    from .common import CliError

    if bool(site_id) == bool(every):
        raise CliError(f"{command}: give a SITE_ID or --all, not both")


def _echo_problems(problems) -> None:
    for p in problems:
        what = f"decision {p['decision']} ({p['key']})" if p["decision"] else p["rule"]
        flag = " [recorded before the rule]" if p["flagged"] else ""
        click.echo(f"{what}: {p['detail']}{flag}")


@site.command()
@click.argument("site_id", required=False)
@click.option("--all", "every", is_flag=True, help="Check every site: list those whose record has inconsistencies.")
@JSON_OPTION
def check(site_id, every, as_json):
    """Every inconsistency of the site's record with its definition; exit 1 when there is one.
    With --all, every site whose record has one (the portfolio's filter)."""
    from ..sites.decisions import inconsistent_sites, record_problems
    from ..sites.models import Site

    _one_or_all(site_id, every, "check")
    with runtime().transaction() as session:
        if every:
            found = inconsistent_sites(session, select(Site))
            names = {s.id: s.name for s in session.scalars(select(Site).where(Site.id.in_(list(found))))}
        else:
            found = {None: record_problems(session, _load(session, site_id))}
    if as_json:
        echo_json({str(k): v for k, v in found.items()} if every else found[None])
    elif every:
        if not found:
            click.echo("every site's record follows its definition")
        for number, problems in found.items():
            click.echo(f"site {number} ({names[number]}): {len(problems)} inconsistencies")
            _echo_problems(problems)
    elif not found[None]:
        click.echo(f"site {site_id}: the record follows its definition")
    else:
        _echo_problems(found[None])
    if any(found.values()):
        raise click.exceptions.Exit(1)


@site.command()
@click.argument("site_id", required=False)
@click.option("--all", "every", is_flag=True,
              help="Move every site that runs an older version; decisions the new rules would refuse are kept, "
                   "flagged as recorded before the rule.")
@AS_OPTION
@JSON_OPTION
def upgrade(site_id, every, actor, as_json):
    """Move a site onto the current version of its workflow definition (recorded)."""
    from ..sites.operations import upgrade_definition, upgrade_sites

    _one_or_all(site_id, every, "upgrade")
    rt = runtime()
    with rt.transaction() as session:
        if every:
            rows = upgrade_sites(session, rt.catalog, actor_from(actor), now_utc())
        else:
            version = upgrade_definition(session, _load(session, site_id), rt.catalog, actor_from(actor), now_utc())
    if not every:
        click.echo(f"site {site_id} now runs version {version}")
        return
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("every site runs the current version of its definition")
    for r in rows:
        if "refused" in r:
            click.echo(f"site {r['site']}: left on version {r['from']}: {r['message']}")
        else:
            flagged = f"; {r['flagged']} flagged as recorded before the rule" if r["flagged"] else ""
            click.echo(f"site {r['site']}: version {r['from']} -> {r['to']}{flagged}")


@site.command()
@click.argument("site_id")
@JSON_OPTION
def history(site_id, as_json):
    """The site's history: every transition, task and decision, oldest first."""
    from ..sites.models import HistoryEntry

    with runtime().transaction() as session:
        _load(session, site_id)
        rows = [{"at": e.at_dt.isoformat(), "actor": e.actor, "action": e.action, "stage": e.stage,
                 "detail": e.detail, "reason": e.reason}
                for e in session.scalars(select(HistoryEntry).where(HistoryEntry.site_id == int(site_id))
                                         .order_by(HistoryEntry.id))]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        why = f" - {r['reason']}" if r["reason"] else ""
        click.echo(f"{r['at'][:16]}  {r['actor']:<20} {r['action']:<20} {r['stage']:<10} {r['detail']}{why}")
