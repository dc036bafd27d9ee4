"""The command line never prints a Python traceback, whatever it is given: bad input gets
one line naming what is wrong (exit 2), and an unexpected failure one line saying what
failed and where its details were logged (exit 1), on both databases. Commands are driven
through click's CliRunner and the real entry point (``run_cli``)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from setupflow.cli import cli
from setupflow.cli.common import run_cli
from web_fixtures import *  # noqa: F401,F403

from . import counters


@pytest.fixture
def run(demo_db, tmp_path, monkeypatch):
    """The command line on a fresh copy of the demo data."""
    for key, value in demo_db.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SETUPFLOW_DATA_DIR", str(tmp_path / "data"))

    def invoke(*args, stdin=None):
        with CliRunner().isolation(input=stdin) as (out, err, *_):
            code = run_cli(cli, [str(a) for a in args])
            return code, out.getvalue().decode(), err.getvalue().decode()

    return invoke


def _no_traceback(code, out, err, what):
    """Refused: one ``error:`` line of ours, or click's usage error (its usage, then one ``Error:`` line)."""
    assert "Traceback" not in out + err and 'File "' not in err, f"{what}: {err}"
    lines = err.strip().splitlines()
    ours = len(lines) == 1 and lines[0].startswith("error: ")
    assert code != 0 and (ours or (code == 2 and lines[-1].startswith("Error: "))), f"{what}: exit {code}, {err!r}"


def test_docx_documents_render_control_characters_stored_before_the_edge(demo_db, run, tmp_path):
    """A site name and decision texts with control characters stored before the edge refused
    them (an old database, a file imported then): every DOCX still renders. (An unexpected
    failure prints one line and logs its details: test_input_edge.py.)"""
    _, out, _ = run("site", "list", "--json")
    site = json.loads(out)[0]["id"]
    with demo_db.engine.begin() as connection:  # as an old database or an imported file could hold them
        connection.execute(text("UPDATE decisions SET text = :t WHERE site_id = :s"),
                           {"t": "Décision\x0b avec\x01 des caractères de contrôle", "s": site})
        connection.execute(text("UPDATE sites SET name = :n WHERE id = :s"), {"n": "Atelier\x0b\x01", "s": site})
    for kind in ("decisions", "project_note", "team_file"):
        target = tmp_path / f"{kind}.docx"
        code, out, err = run("documents", "render", site, kind, "--format", "docx", "-o", target)
        assert code == 0 and "Traceback" not in out + err and target.read_bytes().startswith(b"PK"), err
    counters.add(f"CLI: documents with stored control characters rendered without a traceback ({demo_db.backend})", 3)


def test_hostile_input_to_a_few_commands_gets_one_line_never_a_traceback(demo_db, run, tmp_path):
    _, out, _ = run("site", "list", "--json")
    site = str(json.loads(out)[0]["id"])
    alias_bomb = tmp_path / "bomb.yaml"
    alias_bomb.write_text('a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n', encoding="utf-8")
    not_an_export = tmp_path / "export.json"
    not_an_export.write_bytes(b"\x00\xff not json at all")
    hostile = [
        ("site", "show", "1; DROP TABLE sites"),
        ("site", "show", "99999999999999999999999"),
        ("site", "create", "--name", "Atelier\x00", "--workflow", "cress-disp", "--start", "2027-01-04",
         "--opening", "2029-01-01"),
        ("site", "create", "--name", "Atelier", "--workflow", "../../etc/passwd", "--start", "2027-01-04",
         "--opening", "2029-01-01"),
        ("meetings", "schedule", site, "--committee", "technical", "--at", "9999-12-31T23:59"),
        ("budget", "add", site, "--kind", "expense", "--category", "staff", "--label", "X", "--planned", "NaN"),
        ("user", "add", "%@%.%", "--role", "lead", "--password-stdin"),
        ("documents", "render", site, "minutes", "--format", "docx", "--meeting", "abc", "-o", tmp_path / "m.docx"),
        ("documents", "render", site, "decisions", "--format", "docx", "-o", tmp_path / "no" / "such" / "dir.docx"),
        ("workflows", "validate", alias_bomb),
        ("import", not_an_export),
        ("export", site, "-o", tmp_path),
    ]
    for args in hostile:
        code, out, err = run(*args, stdin="un-mot-de-passe-assez-long\n")
        if args[0] == "workflows":  # one line per problem found, each with its file:line
            assert code == 2 and "Traceback" not in out + err and str(alias_bomb) in err, err
            continue
        _no_traceback(code, out, err, " ".join(map(str, args)))
    counters.add(f"CLI: hostile inputs answered without a traceback ({demo_db.backend})", len(hostile))
