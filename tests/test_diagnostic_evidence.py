"""The diagnostic's own evidence: its sources, indicators and conclusions meet the tasks of
the diagnose stage (SQLite and PostgreSQL). These run on the diagnostic work section of the
shipped method (workflows/cress-disp.yaml): engine mechanics not yet moved to a synthetic
definition (tests/test_engine_tests_alone.py, ENGINE_NOT_YET_MOVED); the guide's own rule
(interviews are optional) is marked ``method``."""
import pytest

from setupflow.diagnostic import operations as diag
from setupflow.errors import GateNotMet
from setupflow.sites import operations as ops


def test_writing_the_conclusions_meets_the_survey_conclusions_task(session, make_site, walk, actor, now):
    site = walk(make_site(workflow="cress-disp"), "diagnose")
    condition = {c.key: c for c in ops.gate_of(session, site).conditions}["survey_conclusions"]
    assert not condition.met and condition.evidence == "diagnostic_conclusions_written"
    diag.write_conclusions(session, site, "Besoin d'un atelier adapté.", actor=actor, now=now)
    assert {c.key: c.met for c in ops.gate_of(session, site).conditions}["survey_conclusions"]


def test_a_site_cannot_leave_diagnose_while_a_source_is_still_awaited(session, make_site, walk, meet, held, actor,
                                                                      now):
    site = walk(make_site(workflow="cress-disp"), "diagnose")
    meet(site, "methodology_validated", "diagnostic_done", "survey_conclusions")
    diag.choose_structure(session, site, "SIAE-ACI", "Les besoins relevés sont ceux d'un ACI.", actor=actor, now=now,
                          meeting=held(site))
    diag.set_source(session, site, "health_unit", status="requested", actor=actor, now=now)
    with pytest.raises(GateNotMet) as exc:
        ops.advance(session, site, actor, now)
    assert [c.key for c in exc.value.conditions] == ["diagnostic_done"]
    diag.set_source(session, site, "health_unit", status="unavailable", actor=actor, now=now)
    assert ops.advance(session, site, actor, now) == "call"


@pytest.mark.method
def test_the_diagnostic_is_done_without_interviews_which_the_guide_makes_optional(session, make_site, walk, actor,
                                                                                  now):
    from setupflow.evidence import holds

    site = walk(make_site(workflow="cress-disp"), "diagnose")
    for source in diag.spec_of(site).sources:
        diag.set_source(session, site, source.id, status="obtained", obtained_on="2027-01-02", actor=actor, now=now)
    assert not holds(session, site, "diagnostic_sources_collected"), "an aggregate indicator is still needed"
    diag.set_indicator(session, site, "age_bracket", {"under_25": 12, "over_55": 6}, actor=actor, now=now)
    assert holds(session, site, "diagnostic_sources_collected")


def test_the_diagnose_stage_s_tasks_met_by_the_diagnostic_lead_to_its_page(session, make_site, walk, now):
    from setupflow.next_steps import next_steps

    site = walk(make_site(workflow="cress-disp"), "diagnose")
    assert {s.path for s in next_steps(session, site, now).of("task") if "required" in s.flags} >= {
        f"/sites/{site.id}/diagnostic"}
