"""``setupflow support`` (workstreams, immersion, opening) and ``setupflow dui`` (signatures).

(The module is not called support.py: that name holds what every command shares.)
"""
from __future__ import annotations

import click

from .inputs import DAY
from .common import AS_OPTION, JSON_OPTION, actor_from, echo_json, now_utc, runtime

LANG_OPTION = click.option("--lang", type=click.Choice(["fr", "en"], case_sensitive=False), default="fr", show_default=True,
                           help="Language of the labels.")


def _today():
    from ..clock import local_date

    return local_date(now_utc())


def _site(session, site_id):
    from ..sites.operations import get_site

    return get_site(session, site_id)


@click.group()
def support():
    """Support until opening: the three workstreams, the immersion and the opening."""


@support.command()
@click.argument("site_id")
@LANG_OPTION
@JSON_OPTION
def show(site_id, lang, as_json):
    """Show the workstreams' checklists, the immersion and the DUI circuit."""
    from ..support import queries

    with runtime().transaction() as session:
        site = _site(session, site_id)
        data = {"workstreams": queries.workstreams(session, site, lang), "immersion": queries.immersion(session, site),
                "dui": queries.dui_status(session, site, _today(), lang)}
    if as_json:
        echo_json(data)
        return
    for w in data["workstreams"]:
        click.echo(f"{w['label']} [{w['key']}]{' - complete' if w['complete'] else ''}")
        for i in w["items"]:
            click.echo(f"  [{'x' if i['done'] else ' '}] {i['key']}: {i['label']}")
    imm = data["immersion"]
    click.echo(f"immersion: {imm['starts_on']} .. {imm['ends_on']}" if imm else "immersion: not planned")
    _echo_dui(data["dui"])


@support.command()
@click.argument("site_id")
@click.argument("workstream")
@click.argument("item")
@click.option("--done/--undone", default=True, help="Mark the item done (default) or not done.")
@click.option("--on", "done_on", type=DAY, help="Day it was done (YYYY-MM-DD; default today).")
@click.option("--note", help="A note.")
@AS_OPTION
def item(site_id, workstream, item, done, done_on, note, actor):
    """Mark an item of a workstream's checklist done or not done."""
    from ..support.operations import set_item

    with runtime().transaction() as session:
        set_item(session, _site(session, site_id), workstream, item, done, done_on=done_on, note=note,
                 actor=actor_from(actor), now=now_utc())
    click.echo(f"{workstream}/{item}: {'done' if done else 'not done'}")


@support.command()
@click.argument("site_id")
@click.option("--from", "starts_on", required=True, type=DAY, help="First day (YYYY-MM-DD).")
@click.option("--to", "ends_on", required=True, type=DAY, help="Last day (YYYY-MM-DD).")
@click.option("--note", help="A note.")
@AS_OPTION
def immersion(site_id, starts_on, ends_on, note, actor):
    """Plan the future supervisors' immersion period."""
    from ..support.operations import set_immersion

    with runtime().transaction() as session:
        set_immersion(session, _site(session, site_id), starts_on=starts_on, ends_on=ends_on, note=note,
                      actor=actor_from(actor), now=now_utc())
    click.echo(f"immersion {starts_on} .. {ends_on}")


@support.command("confirm-opening")
@click.argument("site_id")
@click.argument("opening_on")
@click.option("--supersede", "reason", help="Reason, when this replaces a date already confirmed.")
@click.option("--confirm", is_flag=True, help="Keep an opening earlier than the method allows from where the site "
                                              "stands.")
@AS_OPTION
def confirm_opening(site_id, opening_on, reason, confirm, actor):
    """Confirm the opening date; the site can then advance to its final state."""
    from ..support.operations import confirm_opening as confirm_date

    with runtime().transaction() as session:
        confirm_date(session, _site(session, site_id), opening_on, supersede_reason=reason, actor=actor_from(actor),
                     now=now_utc(), confirmed=confirm)
    click.echo(f"opening confirmed for {opening_on}")


@click.group()
def dui():
    """The DUI (document unique d'instruction) and its signature circuit."""


def _echo_dui(status):
    if not status:
        click.echo("no DUI in this workflow")
        return
    window = status["window"]
    if window:
        late = "  ** late: the circuit needs one to two months **" if status["is_late"] else ""
        click.echo(f"DUI to sign between {window['earliest']} and {window['latest']}{late}")
    for i, step in enumerate(status["steps"], 1):
        signed = f"signed {step['signed_on']} by {step['signed_by']}" if step["signed_on"] else "waiting"
        if step.get("outside_window"):
            signed += "  ** outside the planned window **"
        click.echo(f"  {i}. {step['label']} [{step['signatory']}]: {signed}")


@dui.command("show")
@click.argument("site_id")
@LANG_OPTION
@JSON_OPTION
def dui_show(site_id, lang, as_json):
    """Show the signature circuit in order, who is next, and the planned window."""
    from ..support.queries import dui_status

    with runtime().transaction() as session:
        status = dui_status(session, _site(session, site_id), _today(), lang)
    echo_json(status) if as_json else _echo_dui(status)


@dui.command()
@click.argument("site_id")
@click.argument("signatory")
@click.option("--on", "signed_on", required=True, type=DAY, help="Day of the signature (YYYY-MM-DD).")
@click.option("--by", "signed_by", required=True, help="Who signed for that signatory.")
@AS_OPTION
def sign(site_id, signatory, signed_on, signed_by, actor):
    """Record the next signature; the last one records the DUI decision."""
    from ..support.operations import sign_dui
    from ..support.queries import dui_status

    with runtime().transaction() as session:
        site = _site(session, site_id)
        sign_dui(session, site, signatory, signed_on=signed_on, signed_by=signed_by, actor=actor_from(actor),
                 now=now_utc())
        complete = dui_status(session, site, _today())["complete"]
    click.echo(f"{signatory} signed on {signed_on}" + ("; the DUI is signed" if complete else ""))
