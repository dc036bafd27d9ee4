"""A site's record against its definition: `setupflow site check` lists every inconsistency,
and moving a site onto the version with the new rules keeps what it holds, flagged. On
tests/definitions/records.yaml (version 3) and its older versions derived from its text
below: its partner is the board's selection among the call's applications, taken in a
held board meeting, in the choose stage; its meet stage's tasks are met by evidence."""
import dataclasses
import json
import os
import re

from click.testing import CliRunner

from setupflow.cli import cli
from setupflow.cli.common import run_cli
from setupflow.definitions import load_text
from setupflow.sites import operations as ops
from setupflow.sites.decisions import record_problems
from setupflow.sites.models import HistoryEntry
from tests.conftest import DEFINITIONS, WORKFLOWS

#: the definition whose versions these tests move sites across, as it is today (version 3)
RECORDS = (DEFINITIONS / "records.yaml").read_text(encoding="utf-8")
SOURCE = "tests/definitions/records.yaml"


def without_rules(text):
    """The definition as it was before the decision rules (version 1): no settled_by, taken_in,
    stages, nor the final state's date."""
    text = re.sub(r"^    (settled_by|taken_in|stages): .*\n", "", text, flags=re.M)
    text = re.sub(r"^  on_date: .*\n", "", text, flags=re.M)
    return re.sub(r"^version: \d+$", "version: 1", text, count=1, flags=re.M)


def catalog_with(catalog, text):
    """The catalog with records.yaml as ``text`` says it was."""
    return dataclasses.replace(catalog, loaded={**catalog.loaded, "records": load_text(text, SOURCE)})


def cli_reads_the_synthetic_definitions(db, monkeypatch):
    for key, value in db.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SETUPFLOW_WORKFLOWS_DIR", f"{WORKFLOWS}{os.pathsep}{DEFINITIONS}")


def test_a_decision_taken_before_the_rules_is_kept_and_flagged_in_history_when_the_site_moves_to_them(
        session, catalog, manager, now):
    from sqlalchemy import select

    site = ops.create_site(session, catalog_with(catalog, without_rules(RECORDS)), name="Atelier ancien",
                           workflow_id="records", start_on="2026-01-05", opening_on="2028-01-03", actor=manager,
                           now=now)
    # in the begin stage, typed in, outside any meeting
    decision = ops.record_decision(session, site, key="partner", value="Structure X", text=None, actor=manager,
                                   now=now)
    session.commit()
    assert record_problems(session, site) == []  # version 1 had no such rule

    assert ops.upgrade_definition(session, site, catalog, manager, now) == 3
    assert ops.current_decisions(session, site)["partner"].id == decision.id, "the decision is kept"
    flags = [(e.detail["decision_id"], e.detail["rule"]) for e in session.scalars(select(HistoryEntry).where(
        HistoryEntry.site_id == site.id, HistoryEntry.action == "recorded_before_rule"))]
    assert sorted(flags) == [(decision.id, "settled_by"), (decision.id, "stages"), (decision.id, "taken_in")]
    problems = record_problems(session, site)
    assert {(p["rule"], p["flagged"]) for p in problems} == {("settled_by", True), ("stages", True),
                                                             ("taken_in", True)}


def test_site_check_lists_every_inconsistency_and_exits_1(sqlite_db, monkeypatch, catalog, manager, now):
    cli_reads_the_synthetic_definitions(sqlite_db, monkeypatch)
    before = catalog_with(catalog, without_rules(RECORDS))
    with sqlite_db.factory() as session:
        site = ops.create_site(session, before, name="Atelier ancien", workflow_id="records",
                               start_on="2026-01-05", opening_on="2028-01-03", actor=manager, now=now)
        clean = ops.create_site(session, catalog, name="Atelier neuf", workflow_id="records",
                                start_on="2026-01-05", opening_on="2028-01-03", actor=manager, now=now)
        ops.record_decision(session, site, key="partner", value="Structure X", text=None, actor=manager, now=now)
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


NEW_EVIDENCE = ("committee_held_with_minutes", "team_file_has")


def before_version_3(text, extra_task=False):
    """The definition before the decision rules and the meet stage's evidence (version 1);
    with ``extra_task``, its first stage has a task later versions dropped (version 2)."""
    text = without_rules(text)
    text = re.sub(r"^        evidence: (%s)\S*\n" % "|".join(NEW_EVIDENCE), "", text, flags=re.M)
    if extra_task:  # another older version, 2
        text = re.sub(r"^version: \d+$", "version: 2", text, count=1, flags=re.M)
        head, _, tail = text.partition("  - id: begin\n")
        before, _, after = tail.partition("    tasks:\n")
        text = head + "  - id: begin\n" + before + "    tasks:\n      - id: old_task\n        label: {fr: Tâche " \
            "ancienne, en: Old task}\n        role: ep\n" + after
    return text


def test_the_older_versions_are_what_their_texts_say(catalog):
    version_1 = load_text(before_version_3(RECORDS), SOURCE).workflow
    version_2 = load_text(before_version_3(RECORDS, extra_task=True), SOURCE).workflow
    assert (version_1.version, version_2.version, catalog.get("records").workflow.version) == (1, 2, 3)
    partner = version_1.decision("partner")
    assert (partner.settled_by, partner.taken_in, partner.stages) == (None, None, ())
    assert not any(version_1.task(key)[1].evidence for key in ("board_running", "team_ready"))
    assert [t.id for t in version_2.stage("begin").tasks] == ["old_task", "started"]


def test_every_site_on_an_older_version_moves_with_what_the_new_rules_refuse_flagged(session, catalog, walk, manager,
                                                                                      now):
    from sqlalchemy import select

    from setupflow.sites.decisions import inconsistent_sites
    from setupflow.sites.models import Site

    old = catalog_with(catalog, before_version_3(RECORDS))
    older = catalog_with(catalog, before_version_3(RECORDS, extra_task=True))
    moved = ops.create_site(session, old, name="Atelier ancien", workflow_id="records", start_on="2025-01-06",
                            opening_on="2028-01-03", actor=manager, now=now)
    walk(moved, "choose")  # the meet stage's tasks ticked by hand, as version 1 asked
    partner = ops.record_decision(session, moved, key="partner", value="Structure X", text=None, actor=manager,
                                  now=now)
    stuck = ops.create_site(session, older, name="Atelier bloqué", workflow_id="records", start_on="2026-01-05",
                            opening_on="2028-01-03", actor=manager, now=now)
    ops.set_task(session, stuck, "old_task", True, manager, now)
    current = ops.create_site(session, catalog, name="Atelier à jour", workflow_id="records",
                              start_on="2026-01-05", opening_on="2028-01-03", actor=manager, now=now)
    session.commit()

    rows = ops.upgrade_sites(session, catalog, manager, now)
    session.commit()
    by_site = {r["site"]: r for r in rows}
    assert set(by_site) == {moved.id, stuck.id}, "a site on the current version is left alone"
    assert by_site[stuck.id]["refused"] == "upgrade.drops_done_tasks" and ops.workflow_of(stuck).version == 2
    assert by_site[moved.id]["to"] == 3 and ops.workflow_of(moved).version == 3
    flags = [e.detail for e in session.scalars(select(HistoryEntry).where(
        HistoryEntry.site_id == moved.id, HistoryEntry.action == "recorded_before_rule"))]
    # taken directly, outside a board meeting; the meet stage passed without its evidence
    assert {(f.get("decision_id"), f["rule"]) for f in flags} == {(partner.id, "settled_by"), (partner.id, "taken_in"),
                                                                  (None, "gate")}
    assert by_site[moved.id]["flagged"] == len(flags)
    found = inconsistent_sites(session, select(Site))
    assert set(found) == {moved.id} and all(p["flagged"] for p in found[moved.id])
    assert {p["key"] for p in found[moved.id]} == {"partner", "meet"}
    assert ops.upgrade_sites(session, catalog, manager, now) == [by_site[stuck.id]], "the others are done"
    assert current.id not in found


def test_site_check_and_upgrade_take_every_site_with_all(sqlite_db, monkeypatch, catalog, manager, now):
    cli_reads_the_synthetic_definitions(sqlite_db, monkeypatch)
    with sqlite_db.factory() as session:
        site = ops.create_site(session, catalog_with(catalog, before_version_3(RECORDS)), name="Atelier ancien",
                               workflow_id="records", start_on="2026-01-05", opening_on="2028-01-03", actor=manager,
                               now=now)
        ops.record_decision(session, site, key="partner", value="Structure X", text=None, actor=manager, now=now)
        ops.create_site(session, catalog, name="Atelier neuf", workflow_id="records", start_on="2026-01-05",
                        opening_on="2028-01-03", actor=manager, now=now)
        session.commit()
        site_id = site.id

    def run(*args):
        with CliRunner().isolation() as (out, err, *_):
            code = run_cli(cli, [str(a) for a in args])
            return code, out.getvalue().decode(), err.getvalue().decode()

    assert run("site", "check", "--all") == (0, "every site's record follows its definition\n", "")
    code, out, _ = run("site", "upgrade", "--all")
    assert code == 0 and f"site {site_id}: version 1 -> 3; 3 flagged as recorded before the rule" in out
    code, out, _ = run("site", "check", "--all")
    assert code == 1 and f"site {site_id} (Atelier ancien): 3 inconsistencies" in out
    assert "[recorded before the rule]" in out and "Atelier neuf" not in out
    code, out, _ = run("site", "check", "--all", "--json")
    assert code == 1 and list(json.loads(out)) == [str(site_id)]
    code, _, err = run("site", "upgrade", str(site_id), "--all")
    assert code == 2 and "give a SITE_ID or --all, not both" in err
