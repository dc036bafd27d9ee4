"""Gates met by the work itself, not by ticking a box (SQLite and PostgreSQL)."""
import pytest

from setupflow import evidence
from setupflow.definitions.loader import DefinitionError, load_text
from setupflow.diagnostic import operations as diag
from setupflow.errors import GateNotMet
from setupflow.sites import operations as ops

from tests.conftest import WORKFLOWS
from tests.refused import refused


def test_every_declared_kind_of_evidence_has_a_proof():
    assert set(evidence.proofs()) == set(evidence.KINDS)


def test_a_task_met_by_the_work_cannot_be_ticked_by_hand(session, make_site, walk, actor, now):
    site = walk(make_site(), "diagnose")
    with refused("task.met_by_work", field="task", task="survey_conclusions"):
        ops.set_task(session, site, "survey_conclusions", True, actor, now)


def test_writing_the_conclusions_meets_the_survey_conclusions_task(session, make_site, walk, actor, now):
    site = walk(make_site(), "diagnose")
    condition = {c.key: c for c in ops.gate_of(session, site).conditions}["survey_conclusions"]
    assert not condition.met and condition.evidence == "diagnostic_conclusions_written"
    diag.write_conclusions(session, site, "Besoin d'un atelier adapté.", actor=actor, now=now)
    assert {c.key: c.met for c in ops.gate_of(session, site).conditions}["survey_conclusions"]


def test_a_site_cannot_leave_diagnose_while_a_source_is_still_awaited(session, make_site, walk, meet, held, actor,
                                                                      now):
    site = walk(make_site(), "diagnose")
    meet(site, "methodology_validated", "diagnostic_done", "survey_conclusions")
    diag.choose_structure(session, site, "SIAE-ACI", "Les besoins relevés sont ceux d'un ACI.", actor=actor, now=now,
                          meeting=held(site))
    diag.set_source(session, site, "health_unit", status="requested", actor=actor, now=now)
    with pytest.raises(GateNotMet) as exc:
        ops.advance(session, site, actor, now)
    assert [c.key for c in exc.value.conditions] == ["diagnostic_done"]
    diag.set_source(session, site, "health_unit", status="unavailable", actor=actor, now=now)
    assert ops.advance(session, site, actor, now) == "call"


def _with_evidence(name: str) -> str:
    text = (WORKFLOWS / "cress-disp.yaml").read_text(encoding="utf-8")
    return text.replace("evidence: diagnostic_conclusions_written", f"evidence: {name}")


def test_an_unknown_evidence_name_is_refused_when_the_definition_loads():
    with pytest.raises(DefinitionError, match=r"tasks\[4\]\.evidence: unknown evidence 'conclusions_ticked'"):
        load_text(_with_evidence("conclusions_ticked"), "x.yaml")


def test_a_workstream_evidence_must_name_a_workstream_of_the_definition():
    with pytest.raises(DefinitionError, match="needs a workstream id after ':'"):
        load_text(_with_evidence("workstream_complete:marketing"), "x.yaml")


def test_the_diagnostic_is_done_without_interviews_which_the_guide_makes_optional(session, make_site, walk, actor,
                                                                                  now):
    from setupflow.evidence import holds

    site = walk(make_site(), "diagnose")
    for source in diag.spec_of(site).sources:
        diag.set_source(session, site, source.id, status="obtained", obtained_on="2027-01-02", actor=actor, now=now)
    assert not holds(session, site, "diagnostic_sources_collected"), "an aggregate indicator is still needed"
    diag.set_indicator(session, site, "age_bracket", {"under_25": 12, "over_55": 6}, actor=actor, now=now)
    assert holds(session, site, "diagnostic_sources_collected")


# The cooperation's own records meet its tasks (definition version 3): a committee held with
# minutes, the team file's composition, the project note's sections.

def _met(session, site, task):
    return {c.key: c.met for c in ops.gate_of(session, site).conditions}[task]


def test_the_technical_committee_is_installed_once_a_meeting_is_held_with_its_minutes_written(
        session, make_site, walk, held, manager, now):
    from setupflow.committees.minutes import save_minutes

    site = walk(make_site(), "cooperate")
    assert not _met(session, site, "technical_committee_running")
    with refused("task.met_by_work", field="task"):
        ops.set_task(session, site, "technical_committee_running", True, manager, now)
    meeting = held(site, "technical")
    assert not _met(session, site, "technical_committee_running"), "held, but no minutes yet"
    save_minutes(session, meeting, "Relevé de décisions : calendrier adopté.", 0, manager, now)
    assert _met(session, site, "technical_committee_running")
    partnership = {t.id: t for t in ops.workflow_of(site).stage("cooperate").tasks}["first_partnership_committee"]
    assert partnership.evidence == "committee_held_with_minutes:partnership"
    assert not evidence.holds(session, site, partnership.evidence), "a technical meeting is not a partnership one"


def test_the_team_file_is_built_once_the_ep_the_spip_and_the_disp_each_have_someone_in_it(
        session, make_site, walk, manager, now):
    from datetime import timedelta

    from setupflow.team import operations as team

    site = walk(make_site(), "cooperate")
    people = {}
    for category in ("ep", "spip", "cress"):
        org = team.organisation_for(session, site, category, manager, now)
        people[category] = team.add_person(session, site, name=f"Personne {category} fictive", organisation=org,
                                           email=f"{category}@example.org", actor=manager, now=now)
    assert not _met(session, site, "team_file"), "nobody from the DISP yet"
    org = team.organisation_for(session, site, "disp", manager, now)
    disp = team.add_person(session, site, name="Personne DISP fictive", email="disp@example.org", organisation=org,
                           actor=manager, now=now)
    assert _met(session, site, "team_file")
    from setupflow.team.handover import person_leaves

    # their successor comes from another organisation: the DISP has nobody left in the project
    person_leaves(session, site, disp, people["cress"], manager, now, left_on=now.date() - timedelta(days=1))
    assert not _met(session, site, "team_file"), "the DISP's only person has left the project"


def test_the_project_note_is_written_when_each_of_its_sections_has_text(session, make_site, walk, manager, now):
    from setupflow.documents.note import NOTE_SECTIONS, save_note_section

    site = walk(make_site(), "cooperate")
    sections = list(NOTE_SECTIONS)
    for section in sections[:-1]:
        save_note_section(session, site, section, f"Texte de la section {section}.", 0, manager, now)
    assert not _met(session, site, "project_note"), "a section is still empty"
    save_note_section(session, site, sections[-1], "Gouvernance partagée entre l'EP et le SPIP.", 0, manager, now)
    assert _met(session, site, "project_note")
    save_note_section(session, site, sections[0], "", 1, manager, now)
    assert not _met(session, site, "project_note"), "a section emptied again"


def test_the_new_kinds_of_evidence_are_checked_with_the_file_and_line_when_the_definition_loads():
    text = (WORKFLOWS / "cress-disp.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    line = next(i for i, l in enumerate(lines, 1) if "committee_held_with_minutes:technical" in l)
    with pytest.raises(DefinitionError, match=rf"x\.yaml:{line}: stages\[1\]\.tasks\[0\]\.evidence: evidence "
                                              r"'committee_held_with_minutes' needs a committee id after ':' "
                                              r"\(known: technical, partnership\)"):
        load_text(text.replace("committee_held_with_minutes:technical", "committee_held_with_minutes:jury"), "x.yaml")
    with pytest.raises(DefinitionError, match=r"unknown organisation category 'prison'"):
        load_text(text.replace("team_file_has:ep,spip,disp", "team_file_has:ep,prison"), "x.yaml",
                  organisation_categories=("ep", "spip", "disp"))
    with pytest.raises(DefinitionError, match=r"needs organisation categories after ':'"):
        load_text(text.replace("team_file_has:ep,spip,disp", "team_file_has"), "x.yaml")
    with pytest.raises(DefinitionError, match=r"evidence 'project_note_written' takes no argument"):
        load_text(text.replace("evidence: project_note_written", "evidence: project_note_written:all"), "x.yaml")
