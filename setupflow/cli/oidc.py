"""``setupflow oidc``: check the ProConnect configuration; require it for roles."""
from __future__ import annotations

import sys

import click

from .common import now_utc, runtime

ROLE_CHOICE = click.Choice(["admin", "cress", "lead", "sponsor", "partner", "applicant"])


@click.group()
def oidc():
    """ProConnect (OpenID Connect) sign-in: check the configuration, roles that must use it."""


@oidc.command()
def check():
    """Fetch the discovery document and the keys; print one line per problem (exit 1 if any)."""
    from ..accounts.proconnect_check import problems
    from ..config import Settings

    settings = Settings.from_env()
    found = problems(settings)
    for line in found:
        click.echo(line)
    if found:
        sys.exit(1)
    click.echo(f"ProConnect is ready: {settings.oidc_issuer} (client {settings.oidc_client_id}, "
               f"{settings.oidc_algorithm})")


@oidc.command()
@click.argument("role", type=ROLE_CHOICE)
@click.option("--no", "allow_password", is_flag=True, help="Allow the role's password login again.")
def require(role, allow_password):
    """Require ProConnect for ROLE: its accounts' password login is refused (while ProConnect is configured)."""
    from ..accounts.proconnect import set_required

    with runtime().transaction() as session:
        changed = set_required(session, role, not allow_password, now_utc())
    state = "may log in with a password again" if allow_password else "must sign in with ProConnect"
    click.echo(f"role {role} {state}" + ("" if changed else " (unchanged)"))


@oidc.command()
def roles():
    """List the roles that must sign in with ProConnect."""
    from ..accounts.proconnect import required_roles

    with runtime().transaction() as session:
        found = required_roles(session)
    click.echo(" ".join(found) if found else "no role must sign in with ProConnect")
