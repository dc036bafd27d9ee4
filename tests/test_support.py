"""Support until opening: the workstreams, the immersion, the DUI circuit and the opening.
Engine mechanics, on the preparation of tests/definitions/work.yaml (workstreams model and
hiring, a circuit signed by the partner, the director and the funder, the opening date)."""
from datetime import date, timedelta

import pytest

from setupflow.errors import GateNotMet, InputError
from setupflow.sites import operations as ops
from setupflow.support import operations as support
from setupflow.support import queries
from tests.refused import refused


@pytest.fixture
def session(sqlite_db):
    with sqlite_db.factory() as s:
        yield s


VALUES = {"form": "small", "partner": "Partenaire fictif"}


@pytest.fixture
def site(make_site, walk):
    return walk(make_site(workflow="work", start="2026-01-05", opening="2027-03-01"), "prepare", VALUES)


def sign_all_but_last(session, site, actor, now):
    for signatory, day in (("partner", "2026-12-01"), ("director", "2026-12-08")):
        support.sign_dui(session, site, signatory, signed_on=day, signed_by="Direction (fictive)", actor=actor,
                         now=now)


def test_a_workstream_is_complete_when_every_item_of_its_checklist_is_done(session, site, actor, now):
    support.set_item(session, site, "model", "budget", True, actor=actor, now=now)
    assert not {c.key: c.met for c in ops.gate_of(session, site).conditions}["model_ready"]
    support.set_item(session, site, "model", "funding", True, actor=actor, now=now)
    assert {c.key: c.met for c in ops.gate_of(session, site).conditions}["model_ready"]
    [model, hiring] = queries.workstreams(session, site, "en")
    assert model["complete"] and model["items"][1]["label"] == "Funding" and not hiring["complete"]


def test_the_dui_order_is_a_default_a_signature_out_of_it_is_recorded_and_said(session, site, actor, now):
    from sqlalchemy import select

    from setupflow.sites.models import HistoryEntry

    support.sign_dui(session, site, "partner", signed_on="2026-12-01", signed_by="Présidente (fictive)", actor=actor,
                     now=now)
    support.sign_dui(session, site, "funder", signed_on="2026-12-02", signed_by="X", actor=actor, now=now)
    last = session.scalars(select(HistoryEntry).order_by(HistoryEntry.id.desc())).first()
    assert last.detail["before"] == ["director"]
    with refused("dui.already_signed", field="signatory"):
        support.sign_dui(session, site, "funder", signed_on="2026-12-03", signed_by="X", actor=actor, now=now)
    status = queries.dui_status(session, site, now.date())
    assert status["next"] == "director" and status["waiting"] == ["director"]
    assert not status["complete"]


def test_once_the_opening_is_confirmed_the_dui_window_follows_it_and_a_signature_outside_is_flagged(
        session, site, actor, now):
    from sqlalchemy import select

    from setupflow.sites.models import HistoryEntry

    assert queries.dui_status(session, site, now.date())["window"] == {"earliest": "2027-01-01",
                                                                        "latest": "2027-02-01"}
    support.confirm_opening(session, site, "2027-06-01", actor=actor, now=now)
    assert queries.dui_status(session, site, now.date())["window"] == {"earliest": "2027-04-01",
                                                                        "latest": "2027-05-01"}
    support.sign_dui(session, site, "partner", signed_on="2027-01-02", signed_by="X", actor=actor, now=now)
    last = session.scalars(select(HistoryEntry).order_by(HistoryEntry.id.desc())).first()
    assert last.detail["outside_window"] == {"earliest": "2027-04-01", "latest": "2027-05-01"}
    assert queries.dui_status(session, site, now.date())["outside_window"] == ["partner"]
    immersion = support.set_immersion(session, site, starts_on="2027-06-01", ends_on="2027-06-14", actor=actor,
                                      now=now)
    assert immersion.ends_on.isoformat() == "2027-06-14"
    assert queries.immersion(session, site)["after_opening"] == "2027-06-01"


def test_the_last_dui_signature_meets_the_support_gates_dui_condition(session, site, actor, now):
    sign_all_but_last(session, site, actor, now)
    assert "signed" not in ops.current_decisions(session, site)
    support.sign_dui(session, site, "funder", signed_on="2026-12-20", signed_by="Financeur (fictif)",
                     actor=actor, now=now)
    decision = ops.current_decisions(session, site)["signed"]
    assert decision.value == "2026-12-20"
    assert {c.key: c.met for c in ops.gate_of(session, site).conditions}["signed"]
    assert queries.dui_status(session, site, now.date())["complete"]


def test_the_dui_window_comes_from_the_plan(session, site, now):
    # opening 2027-03-01, the signature 1 to 2 months before
    status = queries.dui_status(session, site, now.date())
    assert status["window"] == {"earliest": "2027-01-01", "latest": "2027-02-01"}
    assert not status["is_late"]
    assert queries.dui_status(session, site, now.date().replace(month=2, day=2))["is_late"]


def test_a_future_signature_date_is_refused(session, site, actor, now):
    with refused("dui.signed_in_future", field="signed_on"):
        support.sign_dui(session, site, "partner", signed_on=(now + timedelta(days=3)).date(), signed_by="X",
                         actor=actor, now=now)


def test_a_site_cannot_be_recorded_as_opened_before_its_confirmed_opening_date(session, site, meet, actor, now):
    meet(site, "model_ready", "hiring_ready")
    sign_all_but_last(session, site, actor, now)
    support.sign_dui(session, site, "funder", signed_on="2026-12-20", signed_by="D", actor=actor, now=now)
    with pytest.raises(GateNotMet) as exc:
        ops.advance(session, site, actor, now)
    assert [c.key for c in exc.value.conditions] == ["opens_on"]
    support.confirm_opening(session, site, "2027-03-01", actor=actor, now=now)
    with pytest.raises(InputError) as exc:
        ops.advance(session, site, actor, now)
    assert (exc.value.code, exc.value.params["day"].isoformat()) == ("stage.final_before_date", "2027-03-01")
    assert str(exc.value) == ("stage: The site reaches 'Open' on its confirmed date, 2027-03-01, not "
                              "before: the worker moves it that day.")
    assert site.stage == "prepare"
    on_the_day = now.replace(month=3, day=1)
    assert ops.advance(session, site, actor, on_the_day) == "open"


def test_the_worker_opens_a_site_on_its_confirmed_date_as_setupflow(session, site, meet, actor, now):
    from sqlalchemy import select

    from setupflow.sites.models import HistoryEntry

    meet(site, "model_ready", "hiring_ready")
    sign_all_but_last(session, site, actor, now)
    support.sign_dui(session, site, "funder", signed_on="2026-12-20", signed_by="D", actor=actor, now=now)
    support.confirm_opening(session, site, "2027-03-01", actor=actor, now=now)
    assert not ops.reach_final_state_when_due(session, site, now.replace(month=2, day=28))
    assert site.stage == "prepare"
    assert ops.reach_final_state_when_due(session, site, now.replace(month=3, day=1, hour=5))
    last = session.scalars(select(HistoryEntry).where(HistoryEntry.site_id == site.id)
                           .order_by(HistoryEntry.id.desc())).first()
    assert (site.stage, last.action, last.actor, last.detail["target"]) == ("open", "advanced", "setupflow", "open")
    assert not ops.reach_final_state_when_due(session, site, now.replace(month=3, day=2))


def test_the_immersion_period_has_ordered_dates(session, site, actor, now):
    with refused("dates.end_before_start", field="ends_on", end=date(2027, 1, 1)):
        support.set_immersion(session, site, starts_on="2027-01-10", ends_on="2027-01-01", actor=actor, now=now)
    support.set_immersion(session, site, starts_on="2027-01-10", ends_on="2027-01-24", actor=actor, now=now)
    assert {c.key: c.met for c in ops.gate_of(session, site).conditions} == \
        {"model_ready": False, "hiring_ready": False, "signed": False, "opens_on": False}
    assert queries.immersion(session, site)["ends_on"] == "2027-01-24"


def test_a_site_preparing_shows_the_signature_window_and_the_decisions_its_gate_needs_on_its_page(
        session, make_site, walk, now):
    from setupflow.next_steps import next_steps

    site = walk(make_site(workflow="work", opening="2027-09-01"), "prepare", VALUES)
    steps = next_steps(session, site, now)
    (deadline,) = steps.of("deadline")
    assert deadline.label == "Signature de la convention"
    assert (deadline.starts_on, deadline.on) == (date(2027, 7, 1), date(2027, 8, 1))
    assert deadline.days_left == (date(2027, 8, 1) - date(2027, 1, 4)).days
    assert deadline.path == f"/sites/{site.id}/support"
    workflow = ops.workflow_of(site)
    needed = [c for c in workflow.stage("prepare").gate.decisions]
    assert [s.label for s in steps.of("decision")] == [workflow.decision(k).label.fr for k in needed]
    assert {s.path for s in steps.of("decision")} == {f"/sites/{site.id}/support"}
    # the workstreams are met by the support page's work: the tasks link there
    by_work = [t for t in workflow.stage("prepare").tasks if t.evidence]
    assert by_work and all(s.path == f"/sites/{site.id}/support" for s in steps.of("task")
                           if s.label in {t.label.fr for t in by_work})
