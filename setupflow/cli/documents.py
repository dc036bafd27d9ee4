"""``setupflow documents``: render a site's documents to HTML, PDF, DOCX or .ics."""
from __future__ import annotations

from pathlib import Path

import click

from .inputs import WHOLE, checked_text
from .common import CliError, now_utc, runtime


@click.group()
def documents():
    """Render the documents the method asks for (agenda, minutes, project note...)."""


@documents.command()
@click.argument("site_id")
@click.argument("kind", type=click.Choice(["invitation", "agenda", "minutes", "decisions", "project_note",
                                           "team_file", "diagnostic", "call"], case_sensitive=False))
@click.option("--format", "fmt", type=click.Choice(["html", "pdf", "docx", "ics"], case_sensitive=False), default="html",
              show_default=True, help="Output format (docx: site documents; ics: invitation).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write.")
@click.option("--meeting", "meeting_id", help="Meeting id, for invitation, agenda and minutes.")
@click.option("--call", "call_key", help="Kind of call (ami...), for a site with several calls.")
@click.option("--lang", type=click.Choice(["fr", "en"], case_sensitive=False), default="fr", show_default=True,
              help="Language of the call document.")
def render(site_id, kind, fmt, output, meeting_id, call_key, lang):
    """Render one document of a site into a file."""
    from ..committees.operations import get_meeting
    from ..documents.build import render as render_document
    from ..sites.operations import get_site

    rt = runtime()
    with rt.transaction() as session:
        site = get_site(session, site_id)
        if kind == "call":
            from ..calls.document import render_call
            from ..calls.operations import get_call

            if fmt == "ics":
                raise CliError("format: a call is rendered as html, pdf or docx")
            data = render_call(rt.settings.templates_dir, site, get_call(session, site, call_key), fmt, lang)
        else:
            meeting = get_meeting(session, meeting_id, site) if meeting_id else None
            data = render_document(session, rt.settings, site, kind, fmt, now_utc(), meeting)
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise CliError(f"output: cannot write {output}: {exc}") from None
    click.echo(f"{kind} written to {output} ({len(data)} bytes)")


@documents.command()
@click.argument("site_id")
@click.argument("section", type=click.Choice(["objectives", "needs", "method", "governance"], case_sensitive=False))
@click.option("--file", "path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Markdown file with the section's new text.")
@click.option("--based-on", type=WHOLE, default=0, show_default=True,
              help="The section version your text starts from (0 when it was never written).")
@click.option("--as", "actor", metavar="NAME", help="Who writes, for the history (default: cli).")
def section(site_id, section, path, based_on, actor):
    """Save an editable section of the project note; refused if someone saved since --based-on."""
    from ..documents.note import save_note_section
    from ..sites.operations import get_site
    from .common import actor_from

    try:
        body = checked_text(path.read_text(encoding="utf-8"), "--file")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"file: cannot read {path}: {exc}") from None
    with runtime().transaction() as session:
        rev = save_note_section(session, get_site(session, site_id), section, body, based_on, actor_from(actor),
                                now_utc())
        version = rev.version
    click.echo(f"project note, section {section}: saved as version {version}")
