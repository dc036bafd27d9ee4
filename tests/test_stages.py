"""The stages of a site, their gates and the history, on SQLite and PostgreSQL. The guide's
own gates (marked ``method``) run on the shipped method, workflows/cress-disp.yaml and
actice.yaml; the engine's mechanics on tests/definitions/tiny.yaml."""
import pytest
from sqlalchemy import func, select

from setupflow.errors import GateNotMet, NotAllowed
from setupflow.sites import operations as ops
from setupflow.diagnostic.operations import choose_structure
from setupflow.sites.models import Decision, HistoryEntry, Site, SiteTask
from tests.refused import refused


def next_version(text):
    """A definition's text with its version number one higher."""
    import re

    return re.sub(r"^version: (\d+)$", lambda m: f"version: {int(m.group(1)) + 1}", text, count=1, flags=re.M)


def counts(session):
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (HistoryEntry, SiteTask, Decision))


def test_a_new_site_starts_in_its_first_stage_and_its_creation_is_recorded(session, make_site):
    site = make_site(workflow="tiny")
    assert site.stage == "first"
    [entry] = session.scalars(select(HistoryEntry).where(HistoryEntry.site_id == site.id))
    assert entry.action == "created" and entry.actor.startswith("Claude")


@pytest.mark.method
def test_a_site_cannot_leave_plan_before_the_directorates_agree(session, make_site, actor, now):
    site = make_site(workflow="cress-disp")
    with pytest.raises(GateNotMet) as exc:
        ops.advance(session, site, actor, now)
    assert [c.key for c in exc.value.conditions] == ["directorates_buy_in", "target_establishment", "share_roles"]


@pytest.mark.method
def test_a_site_cannot_leave_diagnose_before_a_structure_type_is_decided(session, make_site, walk, meet, held,
                                                                       actor, now):
    site = walk(make_site(workflow="cress-disp"), "diagnose")
    meet(site, "methodology_validated", "diagnostic_done", "survey_conclusions")
    session.commit()
    with pytest.raises(GateNotMet) as exc:
        ops.advance(session, site, actor, now)
    assert [(c.kind, c.key) for c in exc.value.conditions] == [("decision", "structure_type")]
    choose_structure(session, site, "EA", "Needs found by the survey.", actor=actor, now=now, meeting=held(site))
    assert ops.advance(session, site, actor, now) == "call"


@pytest.mark.method
def test_a_structure_type_outside_the_four_kinds_is_refused(session, make_site, walk, actor, now):
    site = walk(make_site(workflow="cress-disp"), "diagnose")
    with refused("decision.value_not_a_choice", field="value", allowed=["SIAE-ACI", "SIAE-EI", "EA", "ESAT"]):
        ops.record_decision(session, site, key="structure_type", value="SCOP", text=None, actor=actor, now=now)


@pytest.mark.method
def test_a_site_cannot_leave_call_without_a_selected_sponsor(session, make_site, walk, meet, actor, now):
    site = walk(make_site(workflow="cress-disp"), "call")
    meet(site, "call_drafted", "call_published")
    with pytest.raises(GateNotMet) as exc:
        ops.advance(session, site, actor, now)
    assert [c.key for c in exc.value.conditions] == ["sponsor"]


@pytest.mark.method
def test_a_site_cannot_open_without_the_dui_signed(session, make_site, walk, meet, actor, now):
    from setupflow.demo_work import decide
    from setupflow.support.operations import confirm_opening

    site = walk(make_site(workflow="cress-disp"), "support")
    meet(site, "economic_model", "socio_professional_support", "recruitment_rules")
    confirm_opening(session, site, now.date().isoformat(), actor=actor, now=now)
    with pytest.raises(GateNotMet) as exc:
        ops.advance(session, site, actor, now)
    assert [c.key for c in exc.value.conditions] == ["dui_signed"]
    decide(session, site, "dui_signed", "", actor, now)
    assert ops.advance(session, site, actor, now) == "opened"


def test_a_refused_advance_writes_nothing(db, session, make_site, walk, actor, now):
    site = walk(make_site(workflow="tiny"), "second")
    before = counts(session), site.version_id
    with pytest.raises(GateNotMet):
        ops.advance(session, site, actor, now)
    session.rollback()
    with db.factory() as other:
        fresh = other.get(Site, site.id)
        assert (counts(other), fresh.version_id) == before
        assert fresh.stage == "second"


def test_every_step_goes_to_the_history_with_who_and_when(session, make_site, walk, now):
    site = walk(make_site(workflow="tiny"), "third")
    entries = list(session.scalars(select(HistoryEntry).where(HistoryEntry.site_id == site.id)
                                   .order_by(HistoryEntry.id)))
    actions = [(e.action, e.stage) for e in entries]
    assert actions[0] == ("created", "first")
    assert [a for a in actions if a[0] == "advanced"] == [("advanced", "second"), ("advanced", "third")]
    assert ("decision", "second") in actions
    assert all(e.actor.startswith("Claude") and e.at_dt == now for e in entries)


def test_history_cannot_be_rewritten(session, make_site):
    site = make_site(workflow="tiny")
    entry = session.scalars(select(HistoryEntry).where(HistoryEntry.site_id == site.id)).first()
    entry.reason = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()


def test_reopening_is_for_managers_and_needs_a_reason(session, make_site, walk, actor, manager, now):
    site = walk(make_site(workflow="tiny"), "third")
    with pytest.raises(NotAllowed):
        ops.reopen(session, site, "second", actor, "new survey", now)
    with refused("site.reopen_reason_required", field="reason"):
        ops.reopen(session, site, "second", manager, "  ", now)
    with refused("site.reopen_not_before", field="stage"):
        ops.reopen(session, site, "third", manager, "skip ahead", now)
    assert ops.reopen(session, site, "second", manager, "the health unit data changed", now) == "second"
    last = session.scalars(select(HistoryEntry).order_by(HistoryEntry.id.desc())).first()
    assert (last.action, last.reason) == ("reopened", "the health unit data changed")


def test_a_second_decision_on_a_key_supersedes_the_first_only_with_a_reason(session, make_site, walk, actor, now):
    site = walk(make_site(workflow="tiny"), "second")
    first = ops.record_decision(session, site, key="flavour", value="plain", text=None, actor=actor, now=now)
    with refused("decision.already_taken", field="supersede_reason", decision="flavour"):
        ops.record_decision(session, site, key="flavour", value="fancy", text=None, actor=actor, now=now)
    second = ops.record_decision(session, site, key="flavour", value="fancy", text=None, actor=actor, now=now,
                                 supersede_reason="the study asks for more")
    assert first.superseded_by_id == second.id
    assert ops.current_decisions(session, site)["flavour"].value == "fancy"


def test_withdrawing_the_gate_decision_reopens_the_gate(session, make_site, walk, actor, now):
    site = walk(make_site(workflow="tiny"), "second")
    d = ops.record_decision(session, site, key="flavour", value="fancy", text=None, actor=actor, now=now)
    assert ops.gate_of(session, site).conditions[-1].met
    ops.withdraw_decision(session, site, d, "the ARS withdrew its support", actor, now)
    assert not ops.gate_of(session, site).conditions[-1].met
    assert session.get(Decision, d.id) is not None


def test_a_site_keeps_its_definition_version_when_the_file_changes(session, make_site, catalog, now, manager):
    import dataclasses

    from setupflow.definitions import load_text
    from tests.conftest import DEFINITIONS

    site = make_site(workflow="tiny")
    text = (DEFINITIONS / "tiny.yaml").read_text().replace("{min: 3, max: 5}", "{min: 3, max: 9}")
    changed = load_text(text, "tests/definitions/tiny.yaml")
    edited = dataclasses.replace(catalog, loaded={**catalog.loaded, "tiny": changed})
    with refused("workflow.version_unchanged", field="version"):
        ops.create_site(session, edited, name="B", workflow_id="tiny", start_on="2027-01-01",
                        opening_on="2029-01-01", actor=manager, now=now)
    session.rollback()
    bumped = load_text(text.replace("version: 1", "version: 2", 1), "tests/definitions/tiny.yaml")
    newer = dataclasses.replace(catalog, loaded={**catalog.loaded, "tiny": bumped})
    other = ops.create_site(session, newer, name="C", workflow_id="tiny", start_on="2027-01-01",
                            opening_on="2029-01-01", actor=manager, now=now)
    assert ops.workflow_of(other).stage("second").duration.max == 9
    assert ops.workflow_of(session.get(Site, site.id)).stage("second").duration.max == 5


@pytest.mark.method
def test_an_actice_laureates_path_runs_on_the_same_engine(session, make_site, walk):
    site = walk(make_site(workflow="actice", opening="2028-01-01"), "accompanied",
                values={"partner": "Établissement fictif"})
    assert site.stage == "accompanied"


def test_a_manager_can_move_a_site_onto_a_new_version_on_purpose(session, make_site, catalog, now, manager, actor):
    import dataclasses

    from setupflow.definitions import load_text
    from tests.conftest import DEFINITIONS

    site = make_site(workflow="tiny")
    text = (DEFINITIONS / "tiny.yaml").read_text().replace("{min: 3, max: 5}", "{min: 3, max: 9}")
    bumped = load_text(text.replace("version: 1", "version: 2", 1), "tests/definitions/tiny.yaml")
    newer = dataclasses.replace(catalog, loaded={**catalog.loaded, "tiny": bumped})
    with pytest.raises(NotAllowed):
        ops.upgrade_definition(session, site, newer, actor, now)
    assert ops.upgrade_definition(session, site, newer, manager, now) == 2
    assert ops.workflow_of(site).stage("second").duration.max == 9
    with refused("upgrade.same_version", field="workflow"):
        ops.upgrade_definition(session, site, newer, manager, now)


@pytest.mark.parametrize("site_id", ["2147483648", "99999999999999999999", "0", "-3", "x1", ""])
def test_an_id_that_cannot_name_a_site_is_no_such_site_not_a_database_error(session, make_site, site_id):
    from setupflow.errors import NotFound

    make_site(workflow="tiny")
    with refused("site.not_found", field="site", error=NotFound):
        ops.get_site(session, site_id)


def test_two_advances_from_the_same_read_of_a_site_cannot_both_be_saved(db, manager, now, make_site, meet, session):
    from sqlalchemy.orm.exc import StaleDataError

    site = make_site(workflow="tiny")
    meet(site, "agreed")
    session.commit()
    first, second = db.factory(), db.factory()
    try:
        mine, theirs = ops.get_site(first, site.id), ops.get_site(second, site.id)
        ops.advance(first, mine, manager, now)
        first.commit()
        history = counts(second)
        with pytest.raises(StaleDataError):
            ops.advance(second, theirs, manager, now)
        second.rollback()
        assert counts(second) == history
        assert ops.get_site(second, site.id).stage == "second"
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("key", ["snapshot", "snapshot_id", "version_id", "name_typo"])
def test_a_recorded_change_sets_only_the_columns_it_may_and_writes_nothing_otherwise(session, make_site, manager,
                                                                                     now, key):
    site = make_site(workflow="tiny")
    session.commit()
    before = counts(session), site.version_id
    with pytest.raises(ValueError, match="cannot be changed with a history entry"):
        ops.record(session, site, manager, now, "advanced", changes={key: 1})
    session.rollback()
    assert (counts(session), ops.get_site(session, site.id).version_id) == before
