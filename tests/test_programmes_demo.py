"""The demo holds one edition of each programme: laureates, a call with applications at both
steps, collective days and follow-ups past and coming, reports over several periods, a
laureate that missed its follow-ups, and a review that renders."""

import pytest
from sqlalchemy import select

from setupflow.definitions.programmes import load_programmes
from setupflow.demo import build_demo
from setupflow.committees.minutes import current_minutes
from setupflow.committees.models import Meeting
from setupflow.programmes.models import Edition, ProgrammeMember, Report
from setupflow.programmes.queries import figures, missed_follow_ups
from setupflow.programmes.review import render_review

from tests.conftest import WORKFLOWS


@pytest.mark.slow  # builds the whole demo
def test_the_demo_holds_an_edition_of_each_programme_with_its_life(session, catalog, now):
    build_demo(session, catalog, now)
    session.commit()
    programmes = load_programmes([WORKFLOWS])
    editions = session.scalars(select(Edition).order_by(Edition.id)).all()
    assert {e.programme_id for e in editions} == {"actice", "entreprendre-sa-liberte", "prix-2d"}
    accompanied = [e for e in editions if e.status == "accompaniment"]
    assert len(accompanied) == 3 and all(e.laureates for e in accompanied)
    steps = {a.status for e in editions for a in e.applications}
    assert {"received", "full_file_requested", "full_file", "selected", "declined"} <= steps
    meetings = session.scalars(select(Meeting).where(Meeting.edition_id.is_not(None))).all()
    assert {m.committee_id for m in meetings} == {"selection", "collective_day", "co_development", "event",
                                                  "follow_up"}
    for kind in ("collective_day", "follow_up"):
        assert any(m.committee_id == kind and m.status == "held" for m in meetings)
        assert any(m.committee_id == kind and m.status == "scheduled" for m in meetings)
    # the past collective times are real meetings: held, with their minutes; the coming ones invite accounts
    past_days = [m for m in meetings if m.committee_id == "collective_day" and m.status == "held"]
    assert all(current_minutes(session, m) is not None for m in past_days)
    coming = [m for m in meetings if m.committee_id in ("collective_day", "follow_up") and m.status == "scheduled"
              and m.edition_id == accompanied[0].id]
    assert coming and all(m.attendees and (m.place or m.video_url) for m in coming)
    periods = {r.period for r in session.scalars(select(Report))}
    assert len(periods) >= 3
    actice = programmes.get("actice")
    promotion = accompanied[0]
    assert [m["missed"] for m in missed_follow_ups(session, actice, [promotion.id])] == [2]
    esl = next(e for e in editions if e.programme_id == "entreprendre-sa-liberte")
    rows = {r["id"]: r for r in figures(session, programmes.get("entreprendre-sa-liberte"), [esl.id],
                                        {lt.id: lt.project for lt in esl.laureates})}
    # the order of magnitude of the round's first year: 43 workshops, 150+ people, 70 entrepreneurs
    assert (rows["workshops"]["total"], rows["entrepreneurs"]["total"]) == ("43", "70")
    assert rows["people_reached"]["raw_total"] >= 150
    assert all(len(lt.organisations) >= 2 for lt in esl.laureates)
    html = render_review(session, programmes.get("entreprendre-sa-liberte"), esl).decode()
    assert "Ateliers réalisés" in html and "Cap Entreprendre" in html and "confiance" in html
    parts = {(m.programme_id, m.role) for m in session.scalars(select(ProgrammeMember))}
    assert {("actice", "staff"), ("actice", "laureate"), ("entreprendre-sa-liberte", "funder")} <= parts
