"""Workflow definitions are data: validated, with one precise line per problem."""
from pathlib import Path

import pytest

from setupflow.definitions import DefinitionError, load_catalog, load_file, load_text
from tests.conftest import WORKFLOWS

CRESS = (WORKFLOWS / "cress-disp.yaml").read_text(encoding="utf-8")


def problems_of(text, name="workflows/x.yaml"):
    with pytest.raises(DefinitionError) as exc:
        load_text(text, name)
    return [str(p) for p in exc.value.problems]


def test_the_shipped_definitions_are_valid():
    catalog = load_catalog([WORKFLOWS])
    assert {lw.workflow.id for lw in catalog} >= {"cress-disp", "actice"}


def test_the_method_has_five_stages_with_their_durations():
    wf = load_file(WORKFLOWS / "cress-disp.yaml").workflow
    assert [s.id for s in wf.stages] == ["plan", "cooperate", "diagnose", "call", "support"]
    assert [(s.duration.min, s.duration.max) for s in wf.stages] == [(3, 6), (3, 6), (3, 6), (3, 6), (6, 8)]
    assert wf.final.id == "opened"
    assert [c.id for c in wf.decision("structure_type").choices] == ["SIAE-ACI", "SIAE-EI", "EA", "ESAT"]
    assert "structure_type" in wf.stage("diagnose").gate.decisions
    assert "sponsor" in wf.stage("call").gate.decisions
    assert {"dui_signed", "opening_confirmed"} <= set(wf.stage("support").gate.decisions)


def test_every_stage_has_guidance_for_both_sides_in_both_languages():
    wf = load_file(WORKFLOWS / "cress-disp.yaml").workflow
    for stage in wf.stages:
        for side in (stage.guidance.pa, stage.guidance.ess):
            assert len(side.fr) > 80 and len(side.en) > 80


def test_max_below_min_names_file_line_and_path():
    text = CRESS.replace("duration: {min: 3, max: 6}\n    guidance:\n      pa:\n        fr: >-\n          Le comité",
                         "duration: {min: 3, max: 2}\n    guidance:\n      pa:\n        fr: >-\n          Le comité", 1)
    lines = problems_of(text)
    line_no = next(i for i, l in enumerate(text.splitlines(), 1) if "max: 2}" in l)
    assert lines == [f"workflows/x.yaml:{line_no}: stages[1].duration.max: must be >= min (3)"]


def test_an_unknown_key_is_rejected_where_it_stands():
    text = CRESS.replace("version: 2\n", "version: 2\ncolour: blue\n", 1)
    assert problems_of(text) == ["workflows/x.yaml:7: colour: unknown key"]


def test_a_gate_naming_a_missing_task_is_rejected():
    text = CRESS.replace("tasks: [methodology_validated, diagnostic_done", "tasks: [methodology_checked, diagnostic_done")
    [line] = problems_of(text)
    assert "stages[2].gate.tasks[0]: unknown task 'methodology_checked'" in line
    assert line.startswith("workflows/x.yaml:")


def test_a_deadline_relative_to_an_unknown_date_is_rejected():
    text = CRESS.replace("relative_to: opening", "relative_to: inauguration")
    [line] = problems_of(text)
    assert "deadlines[0].relative_to: unknown date 'inauguration'" in line


def test_broken_yaml_is_one_line_with_its_line_number():
    [line] = problems_of("id: x\nstages: [\n  - a\n")
    assert line.startswith("workflows/x.yaml:") and "not valid YAML" in line


def test_a_key_given_twice_is_rejected():
    [line] = problems_of(CRESS.replace("version: 2\n", "version: 2\nversion: 3\n", 1))
    assert line == "workflows/x.yaml:7: version: key given twice"


def test_a_third_workflow_is_one_more_yaml_file(tmp_path):
    third = CRESS.replace("id: cress-disp", "id: cress-normandie").replace("{min: 6, max: 8, hard_max: 12}", "{min: 4, max: 10}")
    (tmp_path / "normandie.yaml").write_text(third, encoding="utf-8")
    catalog = load_catalog([WORKFLOWS, tmp_path])
    assert catalog.get("cress-normandie").workflow.stages[-1].duration.max == 10


def test_two_files_with_the_same_id_are_refused(tmp_path):
    (tmp_path / "copy.yaml").write_text(CRESS, encoding="utf-8")
    with pytest.raises(DefinitionError) as exc:
        load_catalog([WORKFLOWS, tmp_path])
    assert "already defined" in str(exc.value)
