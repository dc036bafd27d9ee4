"""A call's score sheets are by members of the committee that selects, people of the team
file; sheets written in free text before that rule stay, flagged as recorded before the rule.
Engine mechanics, on the call of tests/definitions/work.yaml (two criteria; the board selects,
the council does not)."""
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from setupflow import migrate as schema
from setupflow.calls import applications as apps
from setupflow.calls import operations as calls
from setupflow.calls.models import Score
from setupflow.calls.queries import ranking
from setupflow.sites.decisions import record_problems
from setupflow.sites.models import HistoryEntry, Site
from setupflow.team import operations as team

from tests.refused import refused

FULL = {"fit": 4, "means": 4}


@pytest.fixture
def scored_call(session, make_site, walk, manager, now):
    """A site in its call stage, the call published with one application."""
    site = walk(make_site(workflow="work"), "seek", {"form": "small"})
    call = calls.create_call(session, site, "appeal", actor=manager, now=now)
    calls.edit_call(session, site, call, actor=manager, now=now, body="Nous cherchons une structure.", capacity=10,
                    workshop_zone="Bâtiment B", surveillance_constraints="Un surveillant dédié")
    calls.publish_call(session, site, call, published_on=now.date(), closes_on=now.date() + timedelta(days=75),
                       actor=manager, now=now)
    application = apps.add_application(session, site, call, organisation="Atelier Fil Rouge",
                                       legal_status="association", activity="Couture", actor=manager, now=now)
    session.commit()
    return site, call, application


def _person(session, site, name, committees, manager, now, category="cress"):
    org = team.organisation_for(session, site, category, manager, now)
    return team.add_person(session, site, name=name, email=f"{name.split()[0].lower()}.{site.id}@example.org",
                           organisation=org, actor=manager, now=now, committees=committees, start_on=site.start_on)


def test_a_score_sheet_is_by_a_member_of_the_committee_that_selects(session, scored_call, manager, now):
    site, call, application = scored_call
    member = _person(session, site, "Camille Durand", ("board",), manager, now)
    outsider = _person(session, site, "Dominique Petit", ("council",), manager, now, category="ddets")
    with refused("score.member_unknown", field="member", member="Quelqu'un du comité"):
        apps.score(session, site, call, application, member="Quelqu'un du comité", scores=FULL, actor=manager,
                   now=now)
    with refused("score.member_not_on_committee", field="member", member="Dominique Petit"):
        apps.score(session, site, call, application, member=outsider.id, scores=FULL, actor=manager, now=now)
    apps.score(session, site, call, application, member=str(member.id), scores=FULL, actor=manager, now=now)
    # the exact name of a member works too (the CLI's --member), and completes the same sheet
    apps.score(session, site, call, application, member="Camille Durand", scores={"fit": 5},
               actor=manager, now=now)
    session.commit()
    sheet = session.scalars(select(Score).where(Score.application_id == application.id)).all()
    assert {s.person_id for s in sheet} == {member.id} and len(sheet) == 2
    row = ranking(call)[0]
    assert (row["members"], row["partial"], row["before_rule"]) == (1, [], [])
    assert record_problems(session, site) == []


def test_someone_whose_seat_has_ended_no_longer_scores(session, scored_call, manager, now):
    site, call, application = scored_call
    member = _person(session, site, "Camille Durand", ("board",), manager, now)
    team.end_membership(session, site, member, "board", manager, now, end_on=now.date() - timedelta(days=1))
    with refused("score.member_not_on_committee", field="member"):
        apps.score(session, site, call, application, member=member.id, scores=FULL, actor=manager, now=now)


def test_a_partial_sheet_of_a_member_is_shown_partial_by_name_and_not_counted(session, scored_call, manager, now):
    site, call, application = scored_call
    first = _person(session, site, "Camille Durand", ("board",), manager, now)
    second = _person(session, site, "Sacha Leroy", ("board",), manager, now, category="spip")
    apps.score(session, site, call, application, member=first, scores=FULL, actor=manager, now=now)
    apps.score(session, site, call, application, member=second, scores={"fit": 0}, actor=manager, now=now)
    row = ranking(call)[0]
    assert (row["score"], row["members"], row["partial"]) == ("4.00", 1, ["Sacha Leroy"])


def test_free_text_sheets_are_linked_to_the_person_of_that_exact_name_or_flagged_recorded_before_the_rule(
        db, session, scored_call, manager, now):
    site, call, application = scored_call
    member = _person(session, site, "Camille Durand", ("board",), manager, now)
    apps.score(session, site, call, application, member=member, scores=FULL, actor=manager, now=now)
    session.commit()
    site_id, application_id, member_id = site.id, application.id, member.id
    session.close()
    # back to the schema before the rule: sheets name their member in free text
    schema.downgrade(db.engine, "e3b7c1d94a28-1")
    with db.engine.begin() as conn:
        assert conn.execute(text("SELECT DISTINCT member FROM call_scores")).scalars().all() == ["Camille Durand"]
        conn.execute(text("INSERT INTO call_scores (application_id, member, criterion, score, scored_dt) "
                          "VALUES (:a, 'camille durand', 'fit', 2, :t)"), {"a": application_id, "t": now})
    schema.upgrade(db.engine)
    with db.factory() as s:
        rows = s.scalars(select(Score).where(Score.application_id == application_id)).all()
        linked = [r for r in rows if r.person_id == member_id]
        kept = [r for r in rows if r.person_id is None]
        assert len(linked) == 2 and all(r.before_rule and r.member == f"#{member_id}" for r in linked)
        # not the exact name: kept as written, flagged in the history and by the site's check
        assert [(r.member, r.before_rule) for r in kept] == [("camille durand", True)]
        entry = s.scalars(select(HistoryEntry).where(HistoryEntry.site_id == site_id,
                                                     HistoryEntry.action == "recorded_before_rule")).one()
        assert entry.detail == {"rule": "score_member", "application_id": application_id, "member": "camille durand"}
        problems = record_problems(s, s.get(Site, site_id))
        assert [(p["rule"], p["flagged"]) for p in problems] == [("score_member", True)]
        assert "camille durand" in problems[0]["detail"]
        row = ranking(_call_of(s, application_id))[0]
        # the older sheet scores one criterion: partial, so not counted; the member's sheet counts
        assert (row["members"], row["partial"], row["before_rule"]) == (1, ["camille durand"], ["Camille Durand"])


def _call_of(session, application_id):
    from setupflow.calls.models import Application

    return session.get(Application, application_id).call
