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
