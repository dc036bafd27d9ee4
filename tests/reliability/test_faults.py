"""One transaction per operation: a failure injected at any write of advance,
record_decision, meeting scheduling or a person leaving leaves nothing half-written;
and two people editing the same site at once: the stale edit is refused."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from setupflow.committees import operations as meetings
from setupflow.committees.actions import add_action
from setupflow.committees.attendance import assign_role
from setupflow.committees.models import Meeting
from setupflow.db import transaction
from setupflow.errors import StaleEdit
from setupflow.sites import operations as ops
from setupflow.sites.models import Decision, HistoryEntry, Site
from setupflow.team.handover import person_leaves
from setupflow.team.models import Person

from . import counters
from .faults import InjectedFault, database_state, fail_at_write
from tests.refused import refused

MEETING_AT = datetime(2027, 1, 12, 9, 0, tzinfo=timezone.utc)  # a Tuesday, no holiday


def each_fault_point(db, operation) -> int:
    """Run ``operation(session)`` in one transaction with a failure at its 1st, 2nd... write;
    after each, the database must be exactly as before. Then run it for real. Returns the
    number of fault points tried."""
    before = database_state(db.engine)
    k = 1
    while True:
        with fail_at_write(db.engine, k) as seen:
            try:
                with transaction(db.factory) as session:
                    operation(session)
            except InjectedFault:
                assert database_state(db.engine) == before, f"half-written after a fault at write {k}"
                k += 1
                continue
        assert not seen["fired"]
        break
    assert database_state(db.engine) != before, "the operation wrote nothing: the faults proved nothing"
    counters.add("fault points", k - 1)
    return k - 1


@pytest.mark.slow  # every crash point of the operation
def test_a_failure_in_the_middle_of_advance_leaves_the_site_where_it_was(db, session, make_site, meet, manager,
                                                                          now):
    site = make_site()
    stage = ops.workflow_of(site).stage(site.stage)
    meet(site, *stage.gate.tasks)
    session.commit()
    start = site.stage

    points = each_fault_point(db, lambda s: ops.advance(s, s.get(Site, site.id), manager, now))
    # the site row and its history entry (one data-modifying statement on PostgreSQL)
    assert points >= (1 if db.backend == "postgres" else 2)
    with db.factory() as s:
        assert s.get(Site, site.id).stage != start


@pytest.mark.slow  # every crash point of the operation
def test_a_failure_while_superseding_a_decision_keeps_the_old_one_current(db, session, make_site, walk, held, manager,
                                                                          now):
    from setupflow.diagnostic.operations import choose_structure

    site = walk(make_site(), "diagnose")
    meeting = held(site)
    first = choose_structure(session, site, "EA", "Survey (fictional)", actor=manager, now=now, meeting=meeting)
    session.commit()

    def supersede(s):
        choose_structure(s, s.get(Site, site.id), "ESAT", "Survey (fictional)", actor=manager, now=now,
                         meeting=meeting.id, supersede_reason="The committee preferred an ESAT (fictional)")

    # new decision, old one superseded, history (with the site's version: one statement on PostgreSQL)
    assert each_fault_point(db, supersede) >= (2 if db.backend == "postgres" else 3)
    with db.factory() as s:
        assert s.get(Decision, first.id).superseded_by_id is not None


@pytest.mark.slow  # every crash point of the operation
def test_a_failure_while_scheduling_a_meeting_leaves_no_meeting_nor_invitation(db, session, make_site, make_team,
                                                                               manager, now):
    site = make_site()
    make_team(site)

    def schedule(s):
        meetings.schedule(s, s.get(Site, site.id), "technical", MEETING_AT, manager, now, place="Salle 2 (fictive)")

    # meeting, history (with the site's version: one statement on PostgreSQL), invitations
    assert each_fault_point(db, schedule) >= (2 if db.backend == "postgres" else 3)


@pytest.mark.slow  # every crash point of the operation
def test_a_failure_while_someone_leaves_hands_over_nothing(db, session, make_site, make_team, manager, now):
    site = make_site()
    people = make_team(site)
    meeting = meetings.schedule(session, site, "technical", MEETING_AT, manager, now, place="Salle 2 (fictive)")
    assign_role(session, meeting, "facilitation", people["spip"], manager, now)
    add_action(session, meeting, "Send the figures (fictional)", people["spip"], manager, now)
    session.commit()

    def leaves(s):
        person_leaves(s, s.get(Site, site.id), s.get(Person, people["spip"].id), s.get(Person, people["cress"].id),
                      manager, now)

    assert each_fault_point(db, leaves) >= 4
    with db.factory() as s:
        assert [r.person_id for r in s.get(Meeting, meeting.id).roles] == [people["cress"].id]


def _two_sessions(db, site_id):
    first, second = db.factory(), db.factory()
    return first, first.get(Site, site_id), second, second.get(Site, site_id)


def test_two_people_advancing_the_same_site_at_once_the_second_is_refused(db, session, make_site, meet, manager,
                                                                          now):
    site = make_site()
    meet(site, *ops.workflow_of(site).stage(site.stage).gate.tasks)
    session.commit()
    first, site_a, second, site_b = _two_sessions(db, site.id)
    ops.advance(first, site_a, manager, now)
    first.commit()
    state = database_state(db.engine)
    with refused("record.stale", error=StaleEdit, table="sites"):
        with transaction(lambda: second):
            ops.advance(second, site_b, manager, now)
    first.close()
    assert database_state(db.engine) == state
    counters.add("concurrent edits refused")


def test_two_people_deciding_on_the_same_site_at_once_the_stale_one_is_refused(db, session, make_site, walk, held,
                                                                               manager, now):
    from setupflow.diagnostic.operations import choose_structure

    site = walk(make_site(), "diagnose")
    meeting = held(site)
    choose_structure(session, site, "EA", "Survey (fictional)", actor=manager, now=now, meeting=meeting)
    session.commit()
    first, site_a, second, site_b = _two_sessions(db, site.id)
    choose_structure(first, site_a, "ESAT", "Survey (fictional)", actor=manager, now=now, meeting=meeting.id,
                     supersede_reason="first opinion (fictional)")
    first.commit()
    state = database_state(db.engine)
    with pytest.raises(StaleEdit):
        with transaction(lambda: second):
            ops.record_decision(second, site_b, key=None, value=None, text="Visite de la zone (fictive)",
                                actor=manager, now=now)
    first.close()
    assert database_state(db.engine) == state
    with db.factory() as s:
        current = [d for d in s.query(Decision).filter_by(site_id=site.id, key="structure_type")
                   if d.superseded_by_id is None]
        assert [d.value for d in current] == ["ESAT"]
        assert s.query(HistoryEntry).filter_by(site_id=site.id, action="decision").count() == 2
    counters.add("concurrent edits refused")
