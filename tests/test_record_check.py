"""A site's record against its definition: `setupflow site check` lists every inconsistency,
and moving a site onto the version with the new rules keeps what it holds, flagged."""
import dataclasses
import json
import re

from click.testing import CliRunner

from setupflow.cli import cli
from setupflow.cli.common import run_cli
from setupflow.definitions import load_text
from setupflow.sites import operations as ops
from setupflow.sites.decisions import record_problems
from setupflow.sites.models import HistoryEntry
from tests.conftest import WORKFLOWS


def without_rules(text):
    """The definition as it was before the decision rules (version 1): no settled_by, taken_in,
    stages, nor the final state's date."""
    text = re.sub(r"^    (settled_by|taken_in|stages): .*\n", "", text, flags=re.M)
    text = text.replace("  on_date: opening_confirmed\n", "")
    return re.sub(r"^version: \d+$", "version: 1", text, count=1, flags=re.M)


def test_a_decision_taken_before_the_rules_is_kept_and_flagged_in_history_when_the_site_moves_to_them(
        session, make_site, walk, catalog, manager, now):
    from sqlalchemy import select

    old = load_text(without_rules((WORKFLOWS / "cress-disp.yaml").read_text()), "workflows/cress-disp.yaml")
    before = dataclasses.replace(catalog, loaded={**catalog.loaded, "cress-disp": old})
    site = ops.create_site(session, before, name="Atelier ancien", workflow_id="cress-disp", start_on="2026-01-05",
                           opening_on="2028-01-03", actor=manager, now=now)
    decision = ops.record_decision(session, site, key="structure_type", value="EA", text=None, actor=manager, now=now)
    session.commit()
    assert record_problems(session, site) == []  # version 1 had no such rule

    assert ops.upgrade_definition(session, site, catalog, manager, now) == catalog.get("cress-disp").workflow.version
    assert ops.current_decisions(session, site)["structure_type"].id == decision.id, "the decision is kept"
    flags = [(e.detail["decision_id"], e.detail["rule"]) for e in session.scalars(select(HistoryEntry).where(
        HistoryEntry.site_id == site.id, HistoryEntry.action == "recorded_before_rule"))]
    assert sorted(flags) == [(decision.id, "settled_by"), (decision.id, "stages"), (decision.id, "taken_in")]
    problems = record_problems(session, site)
    assert {(p["rule"], p["flagged"]) for p in problems} == {("settled_by", True), ("stages", True),
                                                             ("taken_in", True)}


def test_site_check_lists_every_inconsistency_and_exits_1(sqlite_db, monkeypatch, catalog, manager, now):
    for key, value in sqlite_db.env().items():
        monkeypatch.setenv(key, value)
    old = load_text(without_rules((WORKFLOWS / "cress-disp.yaml").read_text()), "workflows/cress-disp.yaml")
    before = dataclasses.replace(catalog, loaded={**catalog.loaded, "cress-disp": old})
    with sqlite_db.factory() as session:
        site = ops.create_site(session, before, name="Atelier ancien", workflow_id="cress-disp",
                               start_on="2026-01-05", opening_on="2028-01-03", actor=manager, now=now)
        clean = ops.create_site(session, catalog, name="Atelier neuf", workflow_id="cress-disp",
                                start_on="2026-01-05", opening_on="2028-01-03", actor=manager, now=now)
        ops.record_decision(session, site, key="sponsor", value="Structure X", text=None, actor=manager, now=now)
        ops.upgrade_definition(session, site, catalog, manager, now)
        session.commit()
        ids = site.id, clean.id

    def run(*args):
        runner = CliRunner()
        with runner.isolation() as (out, err, *_):
            code = run_cli(cli, [str(a) for a in args])
            return code, out.getvalue().decode()

    code, out = run("site", "check", ids[0], "--json")
    assert code == 1 and {p["rule"] for p in json.loads(out)} == {"settled_by", "stages", "taken_in"}
    code, out = run("site", "check", ids[0])
    assert code == 1 and "recorded directly, not by the committee's selection among the call's applications " \
                         "[recorded before the rule]" in out
    assert run("site", "check", ids[1]) == (0, f"site {ids[1]}: the record follows its definition\n")
