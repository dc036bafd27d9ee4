"""``setupflow user``: create accounts from the command line."""
from __future__ import annotations

import sys

import click

from .inputs import WHOLE
from .common import CliError, echo_json, now_utc, runtime

ROLE_CHOICE = click.Choice(["admin", "cress", "lead", "sponsor", "partner", "applicant"], case_sensitive=False)


@click.group()
def user():
    """Create and disable accounts (the web app's logins)."""


@user.command()
@click.argument("email")
@click.option("--role", type=ROLE_CHOICE, required=True, help="What the person may do.")
@click.option("--site", "sites", multiple=True, type=WHOLE, help="A site the person is assigned to (repeatable).")
@click.option("--region", help="For Cress staff: the region whose sites they follow, e.g. Bretagne.")
@click.option("--name", help="Display name (default: the part of the e-mail before @).")
@click.option("--language", type=click.Choice(["fr", "en"], case_sensitive=False), default="fr", show_default=True,
              help="Language of the interface and e-mails.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def add(email, role, sites, region, name, language, password_stdin, as_json):
    """Create an account; the password is read from standard input, never from the command line."""
    from ..accounts.operations import create_user

    if not password_stdin:
        raise CliError("--password-stdin: give the password on standard input (it never goes on the command line)")
    password = sys.stdin.readline().rstrip("\r\n")
    rt = runtime()
    with rt.transaction() as session:
        created = create_user(session, email=email, role=role, password=password, now=now_utc(),
                              display_name=name, region=region, language=language, site_ids=tuple(sites))
        data = {"id": created.id, "email": created.email, "role": created.role, "region": created.region,
                "sites": list(sites)}
    if as_json:
        echo_json(data)
    else:
        click.echo(f"user {data['id']} {data['email']} created ({role})")


@user.command()
@click.argument("email")
def disable(email):
    """Disable an account and end its live sessions."""
    from ..accounts.operations import disable_user, user_by_email

    with runtime().transaction() as session:
        found = user_by_email(session, email)
        if found is None:
            raise CliError(f"email: no account for {email}")
        revoked = disable_user(session, found, now_utc())
    click.echo(f"user {email} disabled" + (f"; {revoked} calendar feed(s) revoked" if revoked else ""))
