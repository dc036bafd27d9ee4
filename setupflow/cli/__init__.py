"""The ``setupflow`` command. Each command opens one transaction, calls operations and
commits once; errors are one line on stderr and exit code 2.

Subcommand modules are imported lazily so that ``setupflow --help`` starts fast.
"""
from __future__ import annotations

import importlib
import sys

import click

# name -> (module, attribute, short help); loaded only when the command runs
COMMANDS = {
    "init": ("setupflow.cli.base", "init", "Create the database, or upgrade it to the current schema."),
    "demo": ("setupflow.cli.base", "demo", "Fill the database with fictional demo sites, people and meetings."),
    "workflows": ("setupflow.cli.workflows", "workflows", "List, show and validate workflow definitions."),
    "plan": ("setupflow.cli.plan", "plan", "Compute a retro-planning from an opening or a start date."),
    "site": ("setupflow.cli.sites", "site", "Create sites and move them through the stages."),
    "worker": ("setupflow.cli.worker", "worker", "Send reminders when due (runs until SIGTERM, or --once)."),
    "outbox": ("setupflow.cli.worker", "outbox", "List the e-mails setupflow sent, holds or failed to send."),
    "feeds": ("setupflow.cli.worker", "feeds", "Create and revoke calendar feeds (iCalendar)."),
    "people": ("setupflow.cli.people", "people", "The project-team file: organisations, people, committee seats."),
    "meetings": ("setupflow.cli.meetings", "meetings", "Committee meetings: proposals, scheduling, minutes."),
    "decisions": ("setupflow.cli.decisions", "decisions", "Read and search the decision log of one or many sites."),
    "documents": ("setupflow.cli.documents", "documents", "Render agendas, minutes, project notes... to HTML/PDF/DOCX."),
    "diagnostic": ("setupflow.cli.diagnostic", "diagnostic", "The diagnostic: sources, aggregates, interviews, conclusions."),
    "calls": ("setupflow.cli.calls", "calls", "Calls for expressions of interest, applications, scores, selection."),
    "support": ("setupflow.cli.opening", "support", "Support until opening: workstreams, immersion, opening date."),
    "dui": ("setupflow.cli.opening", "dui", "The DUI and its signature circuit."),
    "budget": ("setupflow.cli.budget", "budget", "The forecast budget: lines, totals, history."),
    "user": ("setupflow.cli.users", "user", "Create and disable accounts of the web app."),
    "oidc": ("setupflow.cli.oidc", "oidc", "ProConnect sign-in: check its configuration, require it for roles."),
    "export": ("setupflow.cli.transfer", "export", "Export a whole site (history, team, meetings, files) to one file."),
    "import": ("setupflow.cli.transfer", "import_", "Import a site from a file made by `setupflow export`."),
    "personal-data": ("setupflow.cli.personal_data", "personal_data", "Export or erase a professional's personal data."),
    "retention": ("setupflow.cli.personal_data", "retention", "Anonymise people of finished projects after the retention period."),
    "programmes": ("setupflow.cli.programmes", "programmes", "Programmes: editions, calls in steps, laureates, reports, review."),
    "portfolio": ("setupflow.cli.portfolio", "portfolio", "Check and refresh the stored portfolio lines (one a site)."),
    "serve": ("setupflow.cli.serve", "serve", "Run the web app and the reminder worker on this machine (SQLite)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx, name):
        if name in COMMANDS:
            module, attr, _ = COMMANDS[name]
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def format_commands(self, ctx, formatter):
        rows = [(name, COMMANDS[name][2]) for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.version_option(package_name="setupflow")
def cli():
    """setupflow: carry prison ESS workshop projects through the Cress/DISP method.

    Settings come from the environment: SETUPFLOW_DATABASE_URL (default: a SQLite file
    in ~/.local/share/setupflow), SETUPFLOW_WORKFLOWS_DIR, SETUPFLOW_SMTP_HOST...
    """


def main(argv=None):
    from .common import run_cli

    sys.exit(run_cli(cli, argv if argv is not None else sys.argv[1:]))
