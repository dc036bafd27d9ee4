"""``setupflow export`` and ``setupflow import``: move a whole site between databases."""
from __future__ import annotations

from pathlib import Path

import click

from .common import echo_json, runtime


@click.command("export")
@click.argument("site_id", metavar="SITE")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (JSON with a format marker, a SHA-256 checksum and this installation's "
                   "signature).")
def export(site_id, output):
    """Export SITE (its id) with its history, team, meetings, decisions, stage work and files."""
    from ..transfer.archive import export_site

    rt = runtime()
    with rt.transaction() as session:
        data = export_site(session, site_id, rt.settings.data_dir, rt.settings)
    partial = output.with_name(output.name + ".part")
    partial.write_bytes(data)
    partial.replace(output)
    click.echo(f"site {site_id} exported to {output} ({len(data)} bytes)")


@click.command("import")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--accept-foreign", is_flag=True,
              help="Import a file not signed by this installation (exported by another one, or edited by hand) "
                   "if you trust its origin; every row is still checked.")
def import_(path, as_json, accept_foreign):
    """Import a site exported by `setupflow export`; all or nothing. A file signed by
    another installation is refused unless --accept-foreign."""
    from ..transfer.archive import import_site

    rt = runtime()
    written = []
    try:
        with rt.transaction() as session:
            site_id, written = import_site(session, path.read_bytes(), rt.settings.data_dir, where=str(path),
                                           settings=rt.settings, accept_foreign=accept_foreign)
    except Exception:
        for file in written:
            file.unlink(missing_ok=True)
        raise
    if as_json:
        echo_json({"site_id": site_id, "files": len(written)})
    else:
        click.echo(f"site imported as site {site_id} ({len(written)} files)")



