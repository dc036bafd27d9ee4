"""Gates met by the work itself, not by ticking a box (SQLite and PostgreSQL). Engine
mechanics, on tests/definitions/committees.yaml (its gather stage: a board meeting held with
minutes, the team file's EP and SPIP, the project note); the diagnostic's own evidence is in
tests/test_diagnostic_evidence.py."""
import pytest

from setupflow import evidence
from setupflow.definitions.loader import DefinitionError, load_text
from setupflow.sites import operations as ops

from tests.conftest import DEFINITIONS
from tests.refused import refused


def test_every_declared_kind_of_evidence_has_a_proof():
    assert set(evidence.proofs()) == set(evidence.KINDS)


def test_a_task_met_by_the_work_cannot_be_ticked_by_hand(session, make_site, actor, now):
    site = make_site(workflow="committees")
    with refused("task.met_by_work", field="task", task="note_written"):
        ops.set_task(session, site, "note_written", True, actor, now)


COMMITTEES = (DEFINITIONS / "committees.yaml").read_text(encoding="utf-8")


def _with_evidence(name: str) -> str:
    return COMMITTEES.replace("evidence: project_note_written", f"evidence: {name}")


def test_an_unknown_evidence_name_is_refused_when_the_definition_loads():
    with pytest.raises(DefinitionError, match=r"tasks\[4\]\.evidence: unknown evidence 'note_ticked'"):
        load_text(_with_evidence("note_ticked"), "x.yaml")


def test_a_workstream_evidence_must_name_a_workstream_of_the_definition():
    with pytest.raises(DefinitionError, match="needs a workstream id after ':'"):
        load_text(_with_evidence("workstream_complete:marketing"), "x.yaml")


# The cooperation's own records meet tasks: a committee held with minutes, the team file's
# composition, the project note's sections.

def _met(session, site, task):
    return {c.key: c.met for c in ops.gate_of(session, site).conditions}[task]


def test_a_committee_is_running_once_one_of_its_meetings_is_held_with_its_minutes_written(
        session, make_site, held, manager, now):
    from setupflow.committees.minutes import save_minutes

    site = make_site(workflow="committees")
    assert not _met(session, site, "board_running")
    with refused("task.met_by_work", field="task"):
        ops.set_task(session, site, "board_running", True, manager, now)
    meeting = held(site, "board")
    assert not _met(session, site, "board_running"), "held, but no minutes yet"
    save_minutes(session, meeting, "Relevé de décisions : calendrier adopté.", 0, manager, now)
    assert _met(session, site, "board_running")
    council = {t.id: t for t in ops.workflow_of(site).stage("gather").tasks}["council_met"]
    assert council.evidence == "committee_held_with_minutes:council"
    assert not evidence.holds(session, site, council.evidence), "a board meeting is not a council one"


def test_the_team_file_is_built_once_each_category_it_names_has_someone_in_it(session, make_site, manager, now):
    from datetime import timedelta

    from setupflow.team import operations as team

    site = make_site(workflow="committees")  # team_file_has:ep,spip
    people = {}
    for category in ("ep", "cress"):
        org = team.organisation_for(session, site, category, manager, now)
        people[category] = team.add_person(session, site, name=f"Personne {category} fictive", organisation=org,
                                           email=f"{category}@example.org", actor=manager, now=now)
    assert not _met(session, site, "team_ready"), "nobody from the SPIP yet"
    org = team.organisation_for(session, site, "spip", manager, now)
    spip = team.add_person(session, site, name="Personne SPIP fictive", email="spip@example.org", organisation=org,
                           actor=manager, now=now)
    assert _met(session, site, "team_ready")
    from setupflow.team.handover import person_leaves

    # their successor comes from another organisation: the SPIP has nobody left in the project
    person_leaves(session, site, spip, people["cress"], manager, now, left_on=now.date() - timedelta(days=1))
    assert not _met(session, site, "team_ready"), "the SPIP's only person has left the project"


def test_the_project_note_is_written_when_each_of_its_sections_has_text(session, make_site, manager, now):
    from setupflow.documents.note import NOTE_SECTIONS, save_note_section

    site = make_site(workflow="committees")
    sections = list(NOTE_SECTIONS)
    for section in sections[:-1]:
        save_note_section(session, site, section, f"Texte de la section {section}.", 0, manager, now)
    assert not _met(session, site, "note_written"), "a section is still empty"
    save_note_section(session, site, sections[-1], "Gouvernance partagée entre l'EP et le SPIP.", 0, manager, now)
    assert _met(session, site, "note_written")
    save_note_section(session, site, sections[0], "", 1, manager, now)
    assert not _met(session, site, "note_written"), "a section emptied again"


def test_the_new_kinds_of_evidence_are_checked_with_the_file_and_line_when_the_definition_loads():
    text = COMMITTEES
    lines = text.splitlines()
    line = next(i for i, l in enumerate(lines, 1) if "committee_held_with_minutes:board" in l)
    with pytest.raises(DefinitionError, match=rf"x\.yaml:{line}: stages\[0\]\.tasks\[1\]\.evidence: evidence "
                                              r"'committee_held_with_minutes' needs a committee id after ':' "
                                              r"\(known: board, council\)"):
        load_text(text.replace("committee_held_with_minutes:board", "committee_held_with_minutes:jury"), "x.yaml")
    with pytest.raises(DefinitionError, match=r"unknown organisation category 'prison'"):
        load_text(text.replace("team_file_has:ep,spip", "team_file_has:ep,prison"), "x.yaml",
                  organisation_categories=("ep", "spip", "cress"))
    with pytest.raises(DefinitionError, match=r"needs organisation categories after ':'"):
        load_text(text.replace("team_file_has:ep,spip", "team_file_has"), "x.yaml")
    with pytest.raises(DefinitionError, match=r"evidence 'project_note_written' takes no argument"):
        load_text(text.replace("evidence: project_note_written", "evidence: project_note_written:all"), "x.yaml")
