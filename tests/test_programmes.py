"""Programmes, as their staff run them: open an edition, publish its call, shortlist
expressions of interest, receive full files, score, select laureates at a held committee
meeting, and gather the laureates' figures into the review. On SQLite and PostgreSQL."""
import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest

from setupflow.definitions.programmes import load_programmes
from setupflow.errors import InputError
from setupflow.programmes import operations as ops
from setupflow.programmes.lifecycles import APPLICATIONS, EDITIONS
from setupflow.csvfile import MACHINE, write_csv
from setupflow.programmes.queries import FIGURES_HEADER, figures, figures_rows, own_reports
from setupflow.programmes.review import render_review, review_sections

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def programmes():
    return load_programmes([REPO / "workflows"])


def interest(project, organisation="Association fictive", department="69"):
    return {"project": project, "organisation": organisation, "department": department,
            "purpose": f"{project} : un projet fictif pour la réinsertion"}


@pytest.fixture
def edition(session, programmes, manager, now):
    """An Act'ice promotion whose call is published on the fixture's day."""
    programme = programmes.get("actice")
    row = ops.open_edition(session, programme, label="Promotion 2027", starts_on="2027-01-04", actor=manager, now=now)
    ops.publish_call(session, programme, row, published_on="2027-01-04", actor=manager, now=now)
    session.commit()
    return row


def full_file():
    return {"justice_link": "Ateliers en détention", "economic_model": "Subventions et prestations",
            "team": "Deux salariés, dix bénévoles"}


def selected_edition(session, programme, edition, manager, now, projects=("Atelier Alpha", "Atelier Beta")):
    """Walk the edition to its accompaniment with ``projects`` as laureates; return the clock after."""
    apps = [ops.add_application(session, programme, edition, answers=interest(p), actor=manager, now=now)
            for p in projects]
    for a in apps:
        ops.request_full_file(session, programme, edition, a, actor=manager, now=now)
    later = now + timedelta(days=40)
    for a in apps:
        ops.submit_full_file(session, programme, edition, a, answers=full_file(), actor=manager, now=later)
        ops.score(session, programme, edition, a, member="Membre fictif", scores={"justice_link": 4}, actor=manager,
                  now=later)
    after = now + timedelta(days=70)
    meeting = ops.schedule_meeting(session, programme, edition, kind="selection", starts_dt=after - timedelta(hours=3),
                                   now=after)
    ops.mark_held(session, programme, meeting, present=["chair_magistrate", "disp", "atigip", "funder"], now=after)
    ops.select_laureates(session, programme, edition, meeting, [a.id for a in apps], actor=manager, now=after)
    session.commit()
    return after


def test_the_lifecycles_are_declared_once_as_data():
    assert EDITIONS.states == ("draft", "call_open", "selection", "accompaniment", "closed")
    assert EDITIONS.next_state("draft", "publish_call") == "call_open"
    assert EDITIONS.next_state("draft", "select", meeting_held=True) is None
    assert APPLICATIONS.next_state("received", "request_full_file", has_next_step=True) == "full_file_requested"
    assert APPLICATIONS.next_state("received", "request_full_file", has_next_step=False) is None
    assert APPLICATIONS.next_state("full_file_requested", "select", at_last_step=True) is None


def test_an_expression_of_interest_moves_to_a_full_file_without_retyping(session, programmes, edition, manager, now):
    programme = programmes.get("actice")
    application = ops.add_application(session, programme, edition, answers=interest("Atelier Alpha"), actor=manager,
                                      now=now)
    assert (application.step, application.status) == ("interest", "received")
    ops.request_full_file(session, programme, edition, application, actor=manager, now=now)
    assert (application.step, application.status) == ("full_file", "full_file_requested")
    ops.submit_full_file(session, programme, edition, application, answers=full_file(), actor=manager,
                         now=now + timedelta(days=40))
    session.commit()
    assert application.status == "full_file"
    assert application.answers["full_file"]["project"] == "Atelier Alpha"
    assert application.answers["full_file"]["economic_model"] == "Subventions et prestations"


def test_a_full_file_before_its_window_opens_is_refused_with_the_day(session, programmes, edition, manager, now):
    programme = programmes.get("actice")
    application = ops.add_application(session, programme, edition, answers=interest("Atelier Alpha"), actor=manager,
                                      now=now)
    ops.request_full_file(session, programme, edition, application, actor=manager, now=now)
    with pytest.raises(InputError) as caught:
        ops.submit_full_file(session, programme, edition, application, answers=full_file(), actor=manager, now=now)
    assert caught.value.code == "programme.step_not_open"
    assert str(caught.value.params["opens"]) == "2027-02-08"
    assert application.status == "full_file_requested"


def test_an_expression_of_interest_after_its_window_is_refused(session, programmes, edition, manager, now):
    with pytest.raises(InputError) as caught:
        ops.add_application(session, programmes.get("actice"), edition, answers=interest("Tard"), actor=manager,
                            now=now + timedelta(days=31))
    assert caught.value.code == "programme.step_closed" and str(caught.value.params["closes"]) == "2027-02-02"


def test_a_missing_answer_names_its_field(session, programmes, edition, manager, now):
    answers = interest("Atelier Alpha")
    del answers["purpose"]
    with pytest.raises(InputError) as caught:
        ops.add_application(session, programmes.get("actice"), edition, answers=answers, actor=manager, now=now)
    assert (caught.value.code, caught.value.field) == ("required", "purpose")


def test_only_a_complete_file_is_scored_and_ranked_with_the_sites_rule(session, programmes, edition, manager, now):
    programme = programmes.get("actice")
    a = ops.add_application(session, programme, edition, answers=interest("Atelier Alpha"), actor=manager, now=now)
    with pytest.raises(InputError) as caught:
        ops.score(session, programme, edition, a, member="M", scores={"justice_link": 3}, actor=manager, now=now)
    assert caught.value.code == "programme.application_step"
    b = ops.add_application(session, programme, edition, answers=interest("Atelier Beta"), actor=manager, now=now)
    later = now + timedelta(days=40)
    for app in (a, b):
        ops.request_full_file(session, programme, edition, app, actor=manager, now=now)
        ops.submit_full_file(session, programme, edition, app, answers=full_file(), actor=manager, now=later)
    ops.score(session, programme, edition, a, member="M1", scores={"justice_link": 2, "maturity": 5}, actor=manager,
              now=later)
    ops.score(session, programme, edition, b, member="M1", scores={"justice_link": 5, "maturity": 1}, actor=manager,
              now=later)
    # a sheet that leaves weighted criteria out is partial: listed, and not counted until complete
    rows = ops.ranking(programme, edition)
    assert {(r["project"], r["score"], tuple(r["partial"])) for r in rows} == {
        ("Atelier Alpha", "0.00", ("M1",)), ("Atelier Beta", "0.00", ("M1",))}
    for app in (a, b):
        ops.score(session, programme, edition, app, member="M1", scores={"social_utility": 0, "commitment": 0},
                  actor=manager, now=later)
    rows = ops.ranking(programme, edition)
    # weights 3, 2, 2, 1: Beta (15+2)/8 = 2.13, Alpha (6+10)/8 = 2.00
    assert [(r["project"], r["score"]) for r in rows] == [("Atelier Beta", "2.13"), ("Atelier Alpha", "2.00")]


def test_the_selection_is_a_decision_of_a_held_committee_meeting_with_its_quorum(session, programmes, edition,
                                                                                 manager, now):
    programme = programmes.get("actice")
    a = ops.add_application(session, programme, edition, answers=interest("Atelier Alpha"), actor=manager, now=now)
    ops.request_full_file(session, programme, edition, a, actor=manager, now=now)
    ops.submit_full_file(session, programme, edition, a, answers=full_file(), actor=manager,
                         now=now + timedelta(days=40))
    after = now + timedelta(days=70)
    meeting = ops.schedule_meeting(session, programme, edition, kind="selection", starts_dt=after, now=now)
    with pytest.raises(InputError) as caught:
        ops.select_laureates(session, programme, edition, meeting, [a.id], actor=manager, now=after)
    assert caught.value.code == "programme.meeting_not_held"
    ops.mark_held(session, programme, meeting, present=["chair_magistrate", "disp"], now=after)
    with pytest.raises(InputError) as caught:
        ops.select_laureates(session, programme, edition, meeting, [a.id], actor=manager, now=after)
    assert caught.value.code == "programme.quorum"
    ops.mark_held(session, programme, meeting, present=["chair_magistrate", "disp", "atigip", "former_detainee"],
                  now=after)
    decision = ops.select_laureates(session, programme, edition, meeting, [a.id], actor=manager, now=after,
                                    text="Projet mûr")
    session.commit()
    assert decision.meeting_id == meeting.id and decision.value == "Atelier Alpha"
    assert edition.status == "accompaniment" and a.status == "selected"
    [laureate] = edition.laureates
    assert (laureate.project, laureate.organisations, laureate.department) == (
        "Atelier Alpha", ["Association fictive"], "69")


def test_the_committee_selects_once_the_call_has_closed(session, programmes, edition, manager, now):
    programme = programmes.get("actice")
    a = ops.add_application(session, programme, edition, answers=interest("Atelier Alpha"), actor=manager, now=now)
    ops.request_full_file(session, programme, edition, a, actor=manager, now=now)
    during = now + timedelta(days=40)
    ops.submit_full_file(session, programme, edition, a, answers=full_file(), actor=manager, now=during)
    meeting = ops.schedule_meeting(session, programme, edition, kind="selection", starts_dt=during, now=during)
    ops.mark_held(session, programme, meeting, present=["chair_magistrate", "disp", "atigip", "funder"], now=during)
    with pytest.raises(InputError) as caught:
        ops.select_laureates(session, programme, edition, meeting, [a.id], actor=manager, now=during)
    assert caught.value.code == "programme.edition_status"
    assert edition.status == "call_open"


def test_the_reviews_totals_are_the_sum_of_the_reports(session, programmes, edition, manager, now):
    programme = programmes.get("actice")
    after = selected_edition(session, programme, edition, manager, now)
    alpha, beta = edition.laureates
    reports = [(alpha, "2027-Q2", {"people_accompanied": 12, "volunteers": 4}),
               (alpha, "2027-Q3", {"people_accompanied": 9, "establishments": 2}),
               (beta, "2027-Q2", {"people_accompanied": 20, "volunteers": 7}),
               (beta, "2027-Q3", {"people_accompanied": 6, "people_into_work": 8})]
    for laureate, period, values in reports:
        ops.report(session, programme, edition, laureate, period=period, values=values, actor=manager, now=after)
    session.commit()
    rows = {r["id"]: r for r in figures(session, programme, [edition.id], {alpha.id: "Alpha", beta.id: "Beta"})}
    for indicator in ("people_accompanied", "volunteers", "establishments", "people_into_work"):
        expected = sum(values.get(indicator, 0) for _, _, values in reports)
        assert rows[indicator]["raw_total"] == expected
    assert rows["people_accompanied"]["total"] == "47"
    figures_table = review_sections(session, programme, edition)[0].table
    assert ("Personnes sous main de justice accompagnées", "47") in figures_table
    assert ("Bénévoles mobilisés", "11") in figures_table
    html = render_review(session, programme, edition, fmt="html").decode()
    assert "47" in html and "Atelier Alpha" in html and "Bilan" in html


def test_the_kept_sums_follow_every_report_written_replaced_and_deleted(session, programmes, edition, manager,
                                                                        now):
    from sqlalchemy import delete

    from setupflow.programmes.models import Report
    from setupflow.programmes.queries import raw_figures, recomputed_figures

    programme = programmes.get("actice")
    after = selected_edition(session, programme, edition, manager, now)
    alpha, beta = edition.laureates
    ops.report(session, programme, edition, alpha, period="2027-Q2", values={"people_accompanied": 12, "volunteers": 4},
               actor=manager, now=after)
    ops.report(session, programme, edition, beta, period="2027-Q2", values={"people_accompanied": 20}, actor=manager,
               now=after)
    ops.report(session, programme, edition, alpha, period="2027-Q3", values={"people_accompanied": 9}, actor=manager,
               now=after)
    session.commit()
    assert raw_figures(session, [edition.id]) == recomputed_figures(session, [edition.id])
    assert raw_figures(session, [edition.id])[1]["people_accompanied"] == {"2027-Q2": 32, "2027-Q3": 9}
    # a period reported again replaces its counts
    ops.report(session, programme, edition, alpha, period="2027-Q2", values={"people_accompanied": 2, "volunteers": 1},
               actor=manager, now=after)
    session.commit()
    assert raw_figures(session, [edition.id]) == recomputed_figures(session, [edition.id])
    assert raw_figures(session, [edition.id])[0]["people_accompanied"] == {alpha.id: 11, beta.id: 20}
    # a report deleted (its values go by the cascade): its sums go, a sum of nothing is no row
    session.execute(delete(Report).where(Report.laureate_id == beta.id))
    session.commit()
    assert raw_figures(session, [edition.id]) == recomputed_figures(session, [edition.id])
    assert beta.id not in raw_figures(session, [edition.id])[0]["people_accompanied"]


def test_a_count_of_3_people_prints_as_under_5_in_the_review_and_the_csv(session, programmes, edition, manager, now):
    programme = programmes.get("actice")
    after = selected_edition(session, programme, edition, manager, now)
    alpha, beta = edition.laureates
    ops.report(session, programme, edition, alpha, period="2027-Q2", values={"people_into_work": 3, "volunteers": 3},
               actor=manager, now=after)
    ops.report(session, programme, edition, beta, period="2027-Q2", values={"people_into_work": 11, "volunteers": 2},
               actor=manager, now=after)
    session.commit()
    rows = {r["id"]: r for r in figures(session, programme, [edition.id], {alpha.id: "Alpha", beta.id: "Beta"})}
    into_work = {line["project"]: line["count"] for line in rows["people_into_work"]["lines"]}
    # Alpha's 3 is under 5; Beta's 11 is hidden too, or 14 - 11 would give Alpha's count back
    assert into_work == {"Alpha": "<5", "Beta": "*"}
    assert rows["people_into_work"]["total"] == "14"
    # volunteers are not people under justice: printed as they are
    assert {line["count"] for line in rows["volunteers"]["lines"]} == {"3", "2"}
    csv_text = write_csv(FIGURES_HEADER, figures_rows(rows.values()), MACHINE).decode("utf-8")
    csv_rows = list(csv.reader(io.StringIO(csv_text)))
    assert ["Sorties vers l'emploi ou la formation", "Alpha", "<5"] in csv_rows
    assert ["Bénévoles mobilisés", "Alpha", "3"] in csv_rows
    assert not [r for r in csv_rows if r[0].startswith("Sorties") and r[2] in ("1", "2", "3", "4")]
    html = render_review(session, programme, edition, fmt="html").decode()
    section = html[html.index("Atelier Alpha"):]
    assert "&lt;5" in section
    for printed in (html, csv_text):
        assert "emploi ou la formation</td><td>3<" not in printed
    own = own_reports(session, programme, alpha)
    assert own[0]["values"]["people_into_work"] == "<5" and own[0]["values"]["volunteers"] == "3"


def test_a_report_keeps_aggregates_only_and_names_the_bad_field(session, programmes, edition, manager, now):
    programme = programmes.get("actice")
    after = selected_edition(session, programme, edition, manager, now)
    alpha = edition.laureates[0]
    with pytest.raises(InputError) as caught:
        ops.report(session, programme, edition, alpha, period="2027-Q2", values={"people_accompanied": "4"},
                   comment="Suivi de M. Durand né le 12/03/1985", actor=manager, now=after)
    assert (caught.value.code, caught.value.field) == ("privacy.identifying", "comment")
    with pytest.raises(InputError) as caught:
        ops.report(session, programme, edition, alpha, period="2027-Q2", values={"people_accompanied": "-2"},
                   actor=manager, now=after)
    assert (caught.value.code, caught.value.field) == ("programme.count_invalid", "people_accompanied")
    with pytest.raises(InputError) as caught:
        ops.report(session, programme, edition, alpha, period="2027-H1", values={"people_accompanied": "4"},
                   actor=manager, now=after)
    assert caught.value.code == "programme.period_invalid" and caught.value.params["example"] == "2027-Q1"
    with pytest.raises(InputError) as caught:
        ops.report(session, programme, edition, alpha, period="2031-Q1", values={"people_accompanied": "4"},
                   actor=manager, now=after)
    assert caught.value.code == "programme.period_outside"
    assert own_reports(session, programme, alpha) == []


def test_a_second_report_of_the_same_period_replaces_the_first(session, programmes, edition, manager, now):
    programme = programmes.get("actice")
    after = selected_edition(session, programme, edition, manager, now)
    alpha = edition.laureates[0]
    ops.report(session, programme, edition, alpha, period="2027-Q2", values={"volunteers": "4"}, actor=manager,
               now=after)
    ops.report(session, programme, edition, alpha, period="2027-Q2", values={"volunteers": "6"}, actor=manager,
               now=after)
    session.commit()
    [row] = own_reports(session, programme, alpha)
    assert row["values"] == {"volunteers": "6"}


def test_an_entreprendre_sa_liberte_project_is_carried_by_up_to_three_associations(session, programmes, manager, now):
    programme = programmes.get("entreprendre-sa-liberte")
    edition = ops.open_edition(session, programme, label="Cycle 2027-2029", starts_on="2027-01-04", actor=manager,
                               now=now)
    assert edition.ends_on.isoformat() == "2030-01-03"
    laureate = ops.add_laureate(session, programme, edition, project="Projet fictif", department="67",
                                organisations=["Asso A", "Asso B", "Asso C"], purpose="Entreprendre dedans puis dehors",
                                path="Ateliers dedans sur six mois, accompagnement dehors", now=now)
    assert laureate.organisations == ["Asso A", "Asso B", "Asso C"]
    with pytest.raises(InputError) as caught:
        ops.add_laureate(session, programme, edition, project="Trop", department="67",
                         organisations=["A", "B", "C", "D"], purpose="x", now=now)
    assert caught.value.code == "programme.too_many_organisations"
    with pytest.raises(InputError) as caught:
        ops.report(session, programme, edition, laureate, period="2027-Q1", values={"workshops": "5"}, actor=manager,
                   now=now)
    assert caught.value.params["example"] == "2027-H1"


def test_the_accompaniment_is_planned_from_the_definition(session, programmes, edition, manager, now):
    programme = programmes.get("actice")
    after = selected_edition(session, programme, edition, manager, now)
    meetings = ops.plan_accompaniment(session, programme, edition, starts_on="2027-03-22", now=after)
    session.commit()
    kinds = [m.committee_id for m in meetings]
    assert kinds.count("collective_day") == 8 and kinds.count("co_development") == 4
    assert kinds.count("event") == 2 and kinds.count("follow_up") == 9 * 2  # monthly, nine months, two laureates
    assert all(m.starts_dt.weekday() < 5 for m in meetings)
    closing = next(m for m in meetings if m.topic == "closing")
    assert closing.starts_dt.date().isoformat() >= "2027-11-22"  # in the ninth month
    with pytest.raises(InputError) as caught:
        ops.plan_accompaniment(session, programme, edition, starts_on="2027-03-22", now=after)
    assert caught.value.code == "programme.already_planned"


def test_a_laureate_that_misses_two_follow_ups_shows(session, programmes, edition, manager, now):
    from setupflow.programmes.queries import missed_follow_ups

    programme = programmes.get("actice")
    after = selected_edition(session, programme, edition, manager, now)
    meetings = ops.plan_accompaniment(session, programme, edition, starts_on="2027-03-22", now=after)
    alpha, beta = edition.laureates
    late = after + timedelta(days=200)
    beta_follow_ups = [m for m in meetings if m.laureate_id == beta.id][:3]
    for m, missed in zip(beta_follow_ups, (False, True, True)):
        ops.mark_held(session, programme, m, now=late, missed=missed)
    alpha_follow_ups = [m for m in meetings if m.laureate_id == alpha.id][:3]
    for m, missed in zip(alpha_follow_ups, (True, True, False)):  # caught up since
        ops.mark_held(session, programme, m, now=late, missed=missed)
    session.commit()
    assert missed_follow_ups(session, programme, [edition.id]) == [
        {"laureate_id": beta.id, "project": "Atelier Beta", "missed": 2}]


def test_the_review_renders_as_pdf_and_docx_from_the_same_sections(session, programmes, edition, manager, now):
    programme = programmes.get("actice")
    after = selected_edition(session, programme, edition, manager, now)
    ops.report(session, programme, edition, edition.laureates[0], period="2027-Q2",
               values={"people_accompanied": 2, "volunteers": 9}, actor=manager, now=after)
    ops.set_review_text(session, programme, edition, "impacts", "Des coopérations nouvelles.", actor=manager,
                        now=after)
    session.commit()
    pdf = render_review(session, programme, edition, fmt="pdf")
    docx = render_review(session, programme, edition, fmt="docx")
    assert pdf.startswith(b"%PDF") and docx.startswith(b"PK")
    import zipfile

    body = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()
    assert "Des coopérations nouvelles." in body and "&lt;5" in body and ">2<" not in body
