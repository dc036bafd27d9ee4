"""``setupflow people``: the team file of a site."""
from __future__ import annotations

import click

from .inputs import DAY, EMAIL
from .common import AS_OPTION, JSON_OPTION, actor_from, echo_json, now_utc, runtime


def person_dict(p, today) -> dict:
    return {"id": p.id, "site": p.site_id, "name": p.name, "email": p.email, "function": p.function,
            "phone": p.phone, "language": p.language, "organisation": p.organisation.name,
            "category": p.organisation.category, "left_on": p.left_on, "successor": p.successor_id,
            "committees": sorted({m.committee_id for m in p.memberships if m.is_current(today)})}


@click.group()
def people():
    """The project-team file: organisations, people and their committee seats."""


@people.command()
@click.argument("site_id")
@click.option("--name", required=True, help="Full name (fictional in demos and tests).")
@click.option("--email", required=True, type=EMAIL, help="E-mail address; links the person to a web account.")
@click.option("--organisation", required=True, metavar="CATEGORY_OR_NAME",
              help="An organisation of the site (by name), or a category such as spip, ep, ddets.")
@click.option("--category", help="Category of a new organisation given by name (ep, spip, ddets, other...).")
@click.option("--function", help="Their function, e.g. CPIP.")
@click.option("--phone", help="Phone number (optional).")
@click.option("--language", type=click.Choice(["fr", "en"], case_sensitive=False), default="fr", show_default=True,
              help="Language of what they receive.")
@click.option("--committee", "committees", multiple=True, metavar="ID", help="Committee id they sit on (repeat).")
@AS_OPTION
@JSON_OPTION
def add(site_id, name, email, organisation, category, function, phone, language, committees, actor, as_json):
    """Add a person to a site's team file."""
    from ..clock import local_date
    from ..sites.operations import get_site
    from ..team.operations import add_person, organisation_for

    now, who = now_utc(), actor_from(actor)
    with runtime().transaction() as session:
        site = get_site(session, site_id)
        org = organisation_for(session, site, organisation, who, now, category=category)
        person = add_person(session, site, name=name, email=email, organisation=org, actor=who, now=now,
                            function=function, phone=phone, language=language, committees=committees)
        out = person_dict(person, local_date(now))
    if as_json:
        echo_json(out)
    else:
        click.echo(f"person {out['id']} added: {out['name']} ({out['organisation']})")


@people.command("list")
@click.argument("site_id")
@JSON_OPTION
def list_(site_id, as_json):
    """List the people of a site, including those who left."""
    from ..clock import local_date
    from ..sites.operations import get_site
    from ..team.operations import people_of

    today = local_date(now_utc())
    with runtime().transaction() as session:
        rows = [person_dict(p, today) for p in people_of(session, get_site(session, site_id))]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        left = f"  left {r['left_on']}" if r["left_on"] else ""
        click.echo(f"{r['id']:>4}  {r['name']:<28} {r['organisation']:<30} {','.join(r['committees']) or '-'}{left}")


@people.command()
@click.argument("person_id")
@click.option("--successor", required=True, metavar="PERSON", help="Id of the person who takes over.")
@click.option("--on", "left_on", type=DAY, help="Day they left (YYYY-MM-DD, default today).")
@AS_OPTION
@JSON_OPTION
def leave(person_id, successor, left_on, actor, as_json):
    """Record that someone left; their open actions, meeting roles and seats go to the successor."""
    from .. import inputs
    from ..team.handover import person_leaves
    from ..team.operations import get_person

    now = now_utc()
    with runtime().transaction() as session:
        person = get_person(session, person_id)
        detail = person_leaves(session, _site(session, person),
                               person, get_person(session, successor), actor_from(actor), now,
                               left_on=inputs.day(left_on, "--on") if left_on else None)
    if as_json:
        echo_json(detail)
    else:
        click.echo(f"person {person_id} left; {len(detail['action_items'])} action items, "
                   f"{len(detail['meeting_roles'])} meeting roles and {len(detail['committees'])} seats "
                   f"handed to person {successor}")


def _site(session, person):
    from ..sites.operations import get_site

    return get_site(session, person.site_id)
