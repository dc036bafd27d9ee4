"""The diagnostic's own evidence: its sources, indicators and conclusions meet the tasks of
the stage it belongs to (SQLite and PostgreSQL). Engine mechanics, on the study of
tests/definitions/work.yaml (tasks sources_in and findings, the board's form)."""
import pytest

from setupflow.diagnostic import operations as diag
from setupflow.errors import GateNotMet
from setupflow.sites import operations as ops


def test_writing_the_conclusions_meets_the_findings_task(session, make_site, actor, now):
    site = make_site(workflow="work")
    condition = {c.key: c for c in ops.gate_of(session, site).conditions}["findings"]
    assert not condition.met and condition.evidence == "diagnostic_conclusions_written"
    diag.write_conclusions(session, site, "Besoin d'un atelier adapté.", actor=actor, now=now)
    assert {c.key: c.met for c in ops.gate_of(session, site).conditions}["findings"]


def test_a_site_cannot_leave_the_study_while_a_source_is_still_awaited(session, make_site, meet, held, actor, now):
    site = make_site(workflow="work")
    meet(site, "sources_in", "findings")
    diag.choose_structure(session, site, "small", "Les besoins relevés sont ceux d'une petite structure.", actor=actor,
                          now=now, meeting=held(site, "board"))
    diag.set_source(session, site, "health_unit", status="requested", actor=actor, now=now)
    with pytest.raises(GateNotMet) as exc:
        ops.advance(session, site, actor, now)
    assert [c.key for c in exc.value.conditions] == ["sources_in"]
    diag.set_source(session, site, "health_unit", status="unavailable", actor=actor, now=now)
    assert ops.advance(session, site, actor, now) == "seek"


def test_the_diagnostic_is_done_without_interviews_which_the_guide_makes_optional(session, make_site, actor, now):
    from setupflow.evidence import holds

    site = make_site(workflow="work")
    for source in diag.spec_of(site).sources:
        diag.set_source(session, site, source.id, status="obtained", obtained_on="2027-01-02", actor=actor, now=now)
    assert not holds(session, site, "diagnostic_sources_collected"), "an aggregate indicator is still needed"
    diag.set_indicator(session, site, "age", {"young": 12, "older": 6}, actor=actor, now=now)
    assert holds(session, site, "diagnostic_sources_collected")


def test_the_tasks_met_by_the_diagnostic_lead_to_its_page(session, make_site, now):
    from setupflow.next_steps import next_steps

    site = make_site(workflow="work")
    assert {s.path for s in next_steps(session, site, now).of("task") if "required" in s.flags} >= {
        f"/sites/{site.id}/diagnostic"}
