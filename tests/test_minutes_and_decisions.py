"""Minutes, decisions taken in committee, the decision log, and no lost edits. Engine
mechanics on tests/definitions/committees.yaml (its gather gate asks for a flavour decided
in a held meeting of the board); the guide's structure-type rule (marked ``method``) on
workflows/cress-disp.yaml."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from setupflow.committees import actions, attendance, operations as meetings
from setupflow.committees.minutes import (approve_minutes, current_minutes, record_meeting_decision,
                                          save_minutes)
from setupflow.committees.models import ActionItem
from setupflow.documents.note import note_sections, save_note_section
from setupflow.errors import InputError, NotAllowed, StaleEdit
from setupflow.sites import operations as ops
from setupflow.sites.decisions import passed_unmet_gates, search_decisions
from tests.refused import refused


def held_meeting(session, site, committee, manager, now, at="2027-01-05T14:00"):
    m = meetings.schedule(session, site, committee, at, manager, now - timedelta(days=30))
    attendance.mark_held(session, m, {}, manager, now + timedelta(days=2))
    session.commit()
    return m


SEATS = {"ep": ("board", "council"), "spip": ("board",), "cress": ("board", "council")}


def test_a_decision_taken_in_a_held_meeting_of_its_committee_meets_the_gate_withdrawing_it_reopens_it(
        session, make_site, meet, held, manager, now):
    from setupflow.clock import local_date

    site = make_site(workflow="committees")
    meet(site, "kickoff", "board_running", "team_ready", "note_written")
    m = held(site, "board")
    later = now + timedelta(days=2)
    assert [c.key for c in ops.gate_of(session, site).unmet] == ["flavour"]
    decision = record_meeting_decision(session, m, "flavour", "fancy", "Le comité retient la variante.", manager,
                                       later)
    assert decision.meeting_id == m.id and decision.decided_on == local_date(m.starts_dt)
    assert ops.gate_of(session, site).met
    ops.withdraw_decision(session, site, decision, "le choix est repris", manager, later)
    session.commit()
    gate = ops.gate_of(session, site)
    assert not gate.met and [c.key for c in gate.unmet] == ["flavour"]
    assert decision.superseded_reason == "le choix est repris"


@pytest.mark.method
def test_a_structure_type_chosen_in_a_held_technical_committee_meets_the_diagnose_gate_withdrawing_it_reopens_it(
        session, make_site, walk, meet, held, manager, now):
    from setupflow.clock import local_date
    from setupflow.diagnostic.operations import choose_structure

    site = walk(make_site(workflow="cress-disp"), "diagnose")
    meet(site, "methodology_validated", "diagnostic_done", "survey_conclusions")
    m = held(site)
    later = now + timedelta(days=2)
    with pytest.raises(InputError) as exc:  # the meeting's own form is not the diagnostic's choice
        record_meeting_decision(session, m, "structure_type", "EA", "Le comité retient une EA.", manager, later)
    assert exc.value.code == "decision.settled_by_diagnostic"
    decision = choose_structure(session, site, "EA", "Le comité retient une EA.", actor=manager, now=later,
                                meeting=m)
    assert decision.meeting_id == m.id and decision.decided_on == local_date(m.starts_dt)
    assert ops.gate_of(session, site).met
    ops.withdraw_decision(session, site, decision, "le diagnostic est repris", manager, later)
    session.commit()
    gate = ops.gate_of(session, site)
    assert not gate.met and [c.key for c in gate.unmet] == ["structure_type"]
    assert decision.superseded_reason == "le diagnostic est repris"


def test_a_gate_decision_is_taken_only_by_the_committee_the_method_names(session, make_site, manager, now):
    site = make_site(workflow="committees")
    m = held_meeting(session, site, "council", manager, now, at="2027-01-05T10:00")
    with refused("decision.other_committee", field="decision", error=NotAllowed, committee="board"):
        record_meeting_decision(session, m, "flavour", "plain", None, manager, now + timedelta(days=3))
    free = record_meeting_decision(session, m, None, None, "Le territoire soutient le projet", manager,
                                   now + timedelta(days=3))
    assert free.meeting_id == m.id


def test_a_site_past_a_gate_that_no_longer_holds_is_shown_not_moved_back(session, make_site, walk, manager, now):
    site = walk(make_site(workflow="committees"), "build")
    [decision] = [d for k, d in ops.current_decisions(session, site).items() if k == "flavour"]
    ops.withdraw_decision(session, site, decision, "erreur de saisie", manager, now)
    session.commit()
    assert site.stage == "build"
    assert [g.stage for g in passed_unmet_gates(session, site)] == ["gather"]


def test_two_edits_of_the_same_minutes_from_the_same_version_the_second_is_refused_first_intact(
        session, make_site, manager, actor, now):
    site = make_site(workflow="committees")
    m = held_meeting(session, site, "board", manager, now)
    now = now + timedelta(days=2)  # after the meeting
    save_minutes(session, m, "Première version", 0, manager, now)
    session.commit()
    save_minutes(session, m, "Texte d'Alex", 1, actor, now)
    session.commit()
    with pytest.raises(StaleEdit, match="since version 1"):
        save_minutes(session, m, "Texte de Claude", 1, manager, now)
    session.rollback()
    current = current_minutes(session, m)
    assert (current.version, current.body_md, current.saved_by) == (2, "Texte d'Alex", actor.name)


def test_approving_minutes_needs_the_latest_version_and_freezes_them(session, make_site, manager, now):
    site = make_site(workflow="committees")
    m = held_meeting(session, site, "board", manager, now)
    now = now + timedelta(days=2)  # after the meeting
    save_minutes(session, m, "v1", 0, manager, now)
    save_minutes(session, m, "v2", 1, manager, now)
    with pytest.raises(StaleEdit):
        approve_minutes(session, m, 1, manager, now)
    approve_minutes(session, m, 2, manager, now)
    assert m.status == "minutes_approved"
    with pytest.raises(InputError):
        save_minutes(session, m, "v3", 2, manager, now)


def test_two_edits_of_a_project_note_section_from_the_same_version(session, make_site, manager, actor, now):
    site = make_site(workflow="committees")
    save_note_section(session, site, "objectives", "Ouvrir un atelier", 0, manager, now)
    session.commit()
    with pytest.raises(StaleEdit, match="objectives"):
        save_note_section(session, site, "objectives", "Autre texte", 0, actor, now)
    session.rollback()
    assert note_sections(session, site)["objectives"].body_md == "Ouvrir un atelier"


def test_decisions_are_searched_across_sites_whatever_the_case(session, make_site, manager, now):
    a, b, c = make_site(name="A", workflow="committees"), make_site(name="B", workflow="committees"), \
        make_site(name="C", workflow="committees")
    for site, text in ((a, "Visite de la ZONE d'atelier"), (b, "Zone atelier : 100% validée"), (c, "zone C")):
        ops.record_decision(session, site, key=None, value=None, text=text, actor=manager, now=now)
    session.commit()
    found = search_decisions(session, [a.id, b.id], "zone")
    assert {d.site_id for d in found} == {a.id, b.id}
    assert [d.site_id for d in search_decisions(session, [a.id, b.id, c.id], "100%")] == [b.id]
    assert search_decisions(session, [a.id, b.id, c.id], "_") == []
    assert len(search_decisions(session, select(type(a).id), None)) == 3


def test_overdue_is_computed_from_today_and_agrees_with_the_query(session, make_site, make_team, manager, now):
    site = make_site(workflow="committees")
    people = make_team(site, SEATS)
    m = held_meeting(session, site, "board", manager, now)
    late = actions.add_action(session, m, "Envoyer la note", people["ep"], manager, now, due_on="2027-02-01")
    actions.add_action(session, m, "Plus tard", people["ep"], manager, now, due_on="2027-03-01")
    done = actions.add_action(session, m, "Déjà fait", people["ep"], manager, now, due_on="2027-01-15")
    actions.set_action_status(session, done, "done", manager, now)
    today = date(2027, 2, 10)
    assert [i.id for i in actions.actions_of(session, site, overdue_on=today)] == [late.id]
    assert [i.id for i in session.scalars(select(ActionItem)) if i.is_overdue(today)] == [late.id]


def test_two_simultaneous_saves_of_the_same_version_on_postgresql_one_is_refused(postgres_db, catalog, manager,
                                                                                 actor, now):
    """Both pass the version check; the unique version index refuses the second."""
    import threading

    with postgres_db.factory() as s:
        site = ops.create_site(s, catalog, name="Concurrence", workflow_id="committees", start_on="2027-01-04",
                               opening_on="2029-01-01", actor=manager, now=now)
        m = held_meeting(s, site, "board", manager, now)
        save_minutes(s, m, "v1", 0, manager, now + timedelta(days=2))  # once it was held
        s.commit()
        meeting_id = m.id
    first, second = postgres_db.factory(), postgres_db.factory()
    from setupflow.committees.operations import get_meeting

    save_minutes(first, get_meeting(first, meeting_id), "Texte A", 1, manager, now + timedelta(days=2))  # not committed yet
    outcome = {}

    def save_second():
        try:
            save_minutes(second, get_meeting(second, meeting_id), "Texte B", 1, actor, now + timedelta(days=2))
            second.commit()
            outcome["saved"] = True
        except StaleEdit as exc:
            second.rollback()
            outcome["refused"] = str(exc)

    thread = threading.Thread(target=save_second)
    thread.start()
    thread.join(timeout=1.0)  # it waits on the version index held by the first transaction
    first.commit()
    thread.join(timeout=30)
    assert "refused" in outcome, outcome
    with postgres_db.factory() as s:
        assert current_minutes(s, get_meeting(s, meeting_id)).body_md == "Texte A"
    first.close()
    second.close()


def test_minutes_are_refused_before_the_meeting_starts(session, make_site, manager, now):
    site = make_site(workflow="committees")
    m = meetings.schedule(session, site, "board", "2027-01-05T14:00", manager, now)
    with pytest.raises(InputError) as refused:
        save_minutes(session, m, "Écrit d'avance", 0, manager, now)
    assert refused.value.code == "minutes.before_meeting" and refused.value.field == "body"
    assert current_minutes(session, m) is None
    started = save_minutes(session, m, "Pendant la réunion", 0, manager, m.starts_dt)
    assert started.version == 1
