"""``setupflow personal-data`` (export, erase) and ``setupflow retention run``."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .common import CliError, actor_from, echo_json, runtime
from .worker import parse_now


@click.group("personal-data")
def personal_data():
    """A professional's personal data: export it, or erase (anonymise) it."""


@personal_data.command("export")
@click.argument("email")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSON to this file instead of the terminal.")
def export_(email, output):
    """Everything setupflow holds about the person with EMAIL, as JSON."""
    from ..personal_data import person_report

    with runtime().transaction() as session:
        report = person_report(session, email)
    if output:
        output.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        click.echo(f"personal data of {email} written to {output}")
    else:
        echo_json(report)


@personal_data.command()
@click.argument("email")
@click.option("--yes", is_flag=True, help="Confirm: the erasure cannot be undone.")
@click.option("--as", "actor", metavar="NAME", help="Who erases, for the history (default: cli).")
def erase(email, yes, actor):
    """Anonymise the person with EMAIL everywhere; documents keep rendering. Cannot be undone."""
    from ..personal_data import erase as erase_person
    from .common import now_utc

    if not yes:
        raise CliError("erasure cannot be undone: add --yes")
    with runtime().transaction() as session:
        done = erase_person(session, email, actor_from(actor), now_utc())
    click.echo(f"{email}: {done['people']} team-file entries anonymised, account "
               f"{'anonymised and disabled' if done['account'] else 'none'}")


@click.group()
def retention():
    """Anonymise the people of finished projects after the retention period."""


@retention.command()
@click.option("--now", "now_text", metavar="ISO-DATETIME", help="Act as if it were this instant (Paris time).")
@click.option("--days", type=click.IntRange(min=1), help="Retention period in days "
              "(default: SETUPFLOW_RETENTION_DAYS, else 730).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def run(now_text, days, as_json):
    """Anonymise everyone due and erase expired reset and invitation links; running it again
    changes nothing. ``--json`` lists the people anonymised."""
    from ..retention import erase_expired_links, run as run_retention

    rt = runtime()
    now = parse_now(now_text)
    with rt.transaction() as session:
        done = run_retention(session, now, days or rt.settings.retention_days)
        links = erase_expired_links(session, now)
    if as_json:
        echo_json([{"person_id": d.person_id, "site_id": d.site_id, "since_on": d.since_on} for d in done])
    else:
        click.echo(f"{len(done)} people anonymised, {links} expired links erased")
