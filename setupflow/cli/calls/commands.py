"""``setupflow calls``: draft and publish a call, receive and score applications, select."""
from __future__ import annotations

from pathlib import Path

import click

from ..inputs import DAY, WHOLE, checked_text
from ...refusals import english
from ..common import AS_OPTION, JSON_OPTION, CliError, actor_from, echo_json, now_utc, runtime

KIND_OPTION = click.option("--call", "call_key", help="Which call of the site (needed only if it has several).")


@click.group()
def calls():
    """Calls for expressions of interest (AMI) or applications, and the selection."""


def load_call(session, site_id, call_key=None):
    from ...calls.operations import get_call
    from ...sites.operations import get_site

    site = get_site(session, site_id)
    return site, get_call(session, site, call_key)


def parse_pairs(values, what):
    out = {}
    for value in values:
        key, sep, number = value.partition("=")
        if not sep:
            raise CliError(f"{what}: '{value}' is not KEY=VALUE")
        out[key.strip()] = number.strip()
    return out


@calls.command()
@click.argument("site_id")
@click.option("--kind", "call_key", help="Kind of call from the definition (ami, applications...).")
@click.option("--title", help="Title of the call.")
@AS_OPTION
def create(site_id, call_key, title, actor):
    """Start a call: criteria and distribution from the definition, needs from the diagnostic."""
    from ...calls.operations import create_call
    from ...sites.operations import get_site

    with runtime().transaction() as session:
        call = create_call(session, get_site(session, site_id), call_key, title=title, actor=actor_from(actor),
                           now=now_utc())
        call_id, key = call.id, call.call_key
    click.echo(f"call {call_id} ({key}) created")


@calls.command()
@click.argument("site_id")
@KIND_OPTION
@click.option("--title", help="Title of the call.")
@click.option("--body-file", type=click.Path(exists=True, dir_okay=False), help="Read the call's text from a file.")
@click.option("--needs", help="The needs of the prison population it answers.")
@click.option("--capacity", type=WHOLE, help="Places in the workshop.")
@click.option("--zone", "workshop_zone", help="The workshop zone (surface, access, fittings).")
@click.option("--surveillance", "surveillance_constraints", help="Surveillance and movement constraints.")
@AS_OPTION
def edit(site_id, call_key, body_file, actor, **fields):
    """Edit the call's text, needs and the establishment's realities."""
    from ...calls.operations import edit_call

    fields = {k: v for k, v in fields.items() if v is not None}
    if body_file:
        fields["body"] = checked_text(Path(body_file).read_text(encoding="utf-8"), "--body-file")
    if not fields:
        raise CliError("edit: nothing to change")
    with runtime().transaction() as session:
        site, call = load_call(session, site_id, call_key)
        edit_call(session, site, call, actor=actor_from(actor), now=now_utc(), **fields)
    click.echo(f"call updated: {', '.join(sorted(fields))}")


@calls.command()
@click.argument("site_id")
@click.argument("criterion")
@click.argument("weight", type=WHOLE)
@KIND_OPTION
@AS_OPTION
def weight(site_id, criterion, weight, call_key, actor):
    """Change the weight of a selection criterion (0-10)."""
    from ...calls.operations import set_weight

    with runtime().transaction() as session:
        site, call = load_call(session, site_id, call_key)
        set_weight(session, site, call, criterion, weight, actor=actor_from(actor), now=now_utc())
    click.echo(f"criterion {criterion}: weight {weight}")


@calls.command()
@click.argument("site_id")
@click.argument("recipients", nargs=-1, required=True)
@KIND_OPTION
@AS_OPTION
def distribute(site_id, recipients, call_key, actor):
    """Set who receives the call (DDETS, ESS networks...)."""
    from ...calls.operations import set_distribution

    with runtime().transaction() as session:
        site, call = load_call(session, site_id, call_key)
        set_distribution(session, site, call, recipients, actor=actor_from(actor), now=now_utc())
    click.echo(f"distribution: {', '.join(recipients)}")


@calls.command()
@click.argument("site_id")
@click.option("--on", "published_on", required=True, type=DAY, help="Publication day (YYYY-MM-DD).")
@click.option("--closes", "closes_on", required=True, type=DAY, help="Closing day for answers (YYYY-MM-DD).")
@KIND_OPTION
@AS_OPTION
def publish(site_id, published_on, closes_on, call_key, actor):
    """Publish the call (records the publication date); warns about a short answer window."""
    from ...calls.operations import publish_call

    with runtime().transaction() as session:
        site, call = load_call(session, site_id, call_key)
        warnings = publish_call(session, site, call, published_on=published_on, closes_on=closes_on,
                                actor=actor_from(actor), now=now_utc())
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"call published, answers until {closes_on}")


@calls.command()
@click.argument("site_id")
@click.option("--closes", "closes_on", required=True, type=DAY, help="The new closing day (YYYY-MM-DD), later than the current.")
@click.option("--reason", required=True, help="Why the call runs longer (recorded and announced).")
@KIND_OPTION
@AS_OPTION
def extend(site_id, closes_on, reason, call_key, actor):
    """Extend a published call's closing date, before or after it closed, with a reason."""
    from ...calls.operations import extend_call

    with runtime().transaction() as session:
        site, call = load_call(session, site_id, call_key)
        extend_call(session, site, call, closes_on, reason, actor=actor_from(actor), now=now_utc())
        announced = ", ".join(call.distribution) or "nobody"
    click.echo(f"call extended, answers until {closes_on} (announced to: {announced})")


@calls.command()
@click.argument("site_id")
@click.option("--kind", type=click.Choice(["visit", "bilateral"], case_sensitive=False), required=True,
              help="A workshop-zone visit or a bilateral meeting.")
@click.option("--at", "starts", required=True, help="When (YYYY-MM-DDTHH:MM, Paris time unless an offset is given).")
@click.option("--place", help="Where.")
@click.option("--organisation", help="The candidate organisation (bilateral meetings).")
@KIND_OPTION
@AS_OPTION
def slot(site_id, kind, starts, place, organisation, call_key, actor):
    """Offer a visit of the workshop zone or a bilateral meeting before the deadline."""
    from ...calls.operations import add_slot
    with runtime().transaction() as session:
        site, call = load_call(session, site_id, call_key)
        add_slot(session, site, call, kind=kind, starts_dt=starts, place=place, organisation=organisation,
                 actor=actor_from(actor), now=now_utc())
    click.echo(f"{kind} on {starts}")


@calls.command()
@click.argument("site_id")
@KIND_OPTION
@JSON_OPTION
def show(site_id, call_key, as_json):
    """Show the call, its slots and applications."""
    from ...calls.queries import describe_call

    with runtime().transaction() as session:
        data = describe_call(load_call(session, site_id, call_key)[1])
    if as_json:
        echo_json(data)
        return
    click.echo(f"{data['title']} [{data['call']}]  published {data['published_on'] or '-'}, "
               f"closes {data['closes_on'] or '-'}")
    for problem in data["missing"]:
        click.echo(f"  missing: {english(f'call.missing.{problem}')}")
    click.echo("criteria: " + ", ".join(f"{c['id']} x{c['weight']}" for c in data["criteria"]))
    click.echo(f"slots: {len(data['slots'])}; applications: {len(data['applications'])}")


@calls.command()
@click.argument("site_id")
@click.option("--lang", type=click.Choice(["fr", "en"], case_sensitive=False), default="fr", show_default=True, help="Document language.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the HTML to this file.")
@KIND_OPTION
def document(site_id, lang, output, call_key):
    """Render the call as an HTML document (needs, realities, weighted criteria)."""
    from ...calls.document import render_call_html

    rt = runtime()
    with rt.transaction() as session:
        site, call = load_call(session, site_id, call_key)
        html = render_call_html(rt.settings.templates_dir, site, call, lang)
    if output:
        Path(output).write_text(html, encoding="utf-8")
        click.echo(f"written to {output}")
    else:
        click.echo(html)
