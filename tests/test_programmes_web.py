"""The programme pages as their people use them: the staff run an edition from its call to
its laureates, a laureate reports its own figures and sees the totals and nothing of the
others, a funder reads the figures, a committee member scores its own edition only."""
import csv
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from setupflow.definitions.programmes import load_programmes
from setupflow.programmes import operations as ops
from setupflow.programmes.models import Edition, Laureate

from web_fixtures import *  # noqa: F401,F403

REPO = Path(__file__).resolve().parent.parent
PROGRAMMES = load_programmes([REPO / "workflows"])
ACTICE = PROGRAMMES.get("actice")


@pytest.fixture
def web_db(db):
    """Who sees what is checked in the queries: on SQLite and on PostgreSQL."""
    return db


def interest(project):
    return {"project": project, "organisation": f"Association {project}", "department": "69",
            "purpose": f"{project} : un projet fictif"}


@pytest.fixture
def promotion(web_session, manager):
    """An Act'ice promotion of 2026 with two laureates (Alpha, Beta) and a past selection."""
    start = datetime(2026, 10, 1, 9, tzinfo=timezone.utc)
    edition = ops.open_edition(web_session, ACTICE, label="Promotion 2026", starts_on="2026-10-01", actor=manager,
                               now=start)
    ops.publish_call(web_session, ACTICE, edition, published_on="2026-10-01", actor=manager, now=start)
    apps = [ops.add_application(web_session, ACTICE, edition, answers=interest(p), actor=manager, now=start)
            for p in ("Atelier Alpha", "Atelier Beta", "Atelier Gamma")]
    for a in apps:
        ops.request_full_file(web_session, ACTICE, edition, a, actor=manager, now=start)
        ops.submit_full_file(web_session, ACTICE, edition, a, actor=manager, now=start + timedelta(days=40),
                             answers={"justice_link": "x", "economic_model": "y", "team": "z"})
    after = start + timedelta(days=70)
    meeting = ops.schedule_meeting(web_session, ACTICE, edition, kind="selection", starts_dt=after, now=after)
    ops.mark_held(web_session, ACTICE, meeting, present=["chair_magistrate", "disp", "atigip", "funder"], now=after)
    ops.select_laureates(web_session, ACTICE, edition, meeting, [apps[0].id, apps[1].id], actor=manager, now=after)
    alpha, beta = edition.laureates
    ops.report(web_session, ACTICE, edition, alpha, period="2027-Q1", values={"people_into_work": 3, "volunteers": 8},
               actor=manager, now=after)
    ops.report(web_session, ACTICE, edition, beta, period="2027-Q1", values={"people_into_work": 12, "volunteers": 2},
               comment="Beta seul sait ceci", actor=manager, now=after)
    web_session.commit()
    return edition


def member(web_session, person, email, role, now, **kw):
    user = person(email, "partner")
    ops.add_member(web_session, ACTICE, user.id, role, now=now, **kw)
    web_session.commit()
    return user


def login(app, email):
    b = Browser(app.test_client())  # noqa: F405
    assert b.login(email).status_code == 302
    return b


def base(edition):
    return f"/programmes/actice/editions/{edition.id}"


def test_programme_staff_run_an_edition_from_the_call_to_the_selection(app, web_session, person, now):
    member(web_session, person, "equipe@example.test", "staff", now)
    staff = login(app, "equipe@example.test")
    response = staff.post("/programmes/actice/editions", data={"label": "Promotion 2026", "starts_on": "2026-10-01"})
    assert response.status_code == 303
    edition = web_session.scalar(select(Edition).where(Edition.label == "Promotion 2026"))
    url = base(edition)
    assert staff.post(f"{url}/publish", data={"published_on": "2026-10-01"}).status_code == 303
    assert staff.post(f"{url}/applications", data={**interest("Atelier Alpha"), "received_on": "2026-10-10"}
                      ).status_code == 303
    web_session.expire_all()
    [application] = edition.applications
    assert staff.post(f"{url}/applications/{application.id}/full-file-request").status_code == 303
    assert staff.post(f"{url}/applications/{application.id}/full-file",
                      data={"justice_link": "Ateliers", "economic_model": "Prestations", "team": "Deux",
                            "received_on": "2026-11-10"}).status_code == 303
    assert staff.post(f"{url}/applications/{application.id}/scores",
                      data={"member": "Membre fictif", "score_justice_link": "4"}).status_code == 303
    assert staff.post(f"{url}/meetings", data={"kind": "selection", "day": "2027-01-03", "time": "10:00"}
                      ).status_code == 303
    page = staff.get(url).get_data(as_text=True)
    assert "Manifestation d&#39;intérêt" in page and "dossier complet reçu" in page and "4,00" not in page
    web_session.expire_all()
    from setupflow.committees.models import Meeting

    meeting = web_session.scalar(select(Meeting).where(Meeting.edition_id == edition.id))
    staff.post(f"{url}/meetings/{meeting.id}/held",
               data={"present": ["chair_magistrate", "disp", "atigip", "former_detainee"]})
    response = staff.post(f"{url}/selection", data={"meeting": meeting.id, "applications": [application.id]})
    assert response.status_code == 303
    web_session.expire_all()
    assert edition.status == "accompaniment" and [lt.project for lt in edition.laureates] == ["Atelier Alpha"]
    page = staff.get(url).get_data(as_text=True)
    assert "Lauréats" in page and "Atelier Alpha" in page and "accompagnement" in page


def test_a_refused_step_says_why_in_french_and_changes_nothing(app, web_session, person, now, promotion):
    member(web_session, person, "equipe@example.test", "staff", now)
    staff = login(app, "equipe@example.test")
    response = staff.post(f"{base(promotion)}/publish", data={"published_on": "2027-01-01"}, follow_redirects=True)
    assert "L&#39;édition est au statut" in response.get_data(as_text=True)
    web_session.expire_all()
    assert promotion.call_published_on.isoformat() == "2026-10-01"


def test_a_laureate_sees_only_its_own_reports(app, web_session, person, now, promotion):
    alpha, beta = promotion.laureates
    member(web_session, person, "alpha@example.test", "laureate", now, laureate=alpha)
    client = login(app, "alpha@example.test")
    own = client.get(f"{base(promotion)}/laureates/{alpha.id}")
    assert own.status_code == 200 and "Atelier Alpha" in own.get_data(as_text=True)
    assert client.get(f"{base(promotion)}/laureates/{beta.id}").status_code == 404
    assert client.post(f"{base(promotion)}/laureates/{beta.id}/reports",
                       data={"period": "2027-Q2", "volunteers": "1"}).status_code == 404
    for url in (base(promotion), "/programmes/actice", f"{base(promotion)}/figures.csv"):
        page = client.get(url).get_data(as_text=True)
        assert "Atelier Beta" not in page and "Beta seul sait ceci" not in page, url
        assert "Atelier Gamma" not in page, url  # applications and scores are not a laureate's business
    assert client.get(f"{base(promotion)}/review.html").status_code == 403
    assert client.post(f"{base(promotion)}/applications/{promotion.applications[2].id}/scores",
                       data={"score_justice_link": "5"}).status_code == 404


def test_a_laureate_reports_a_quarter_and_sees_the_totals(app, web_session, person, now, promotion):
    alpha = promotion.laureates[0]
    member(web_session, person, "alpha@example.test", "laureate", now, laureate=alpha)
    client = login(app, "alpha@example.test")
    response = client.post(f"{base(promotion)}/laureates/{alpha.id}/reports",
                           data={"period": "2027-Q2", "volunteers": "5", "establishments": "2"})
    assert response.status_code == 303
    page = client.get(f"{base(promotion)}/laureates/{alpha.id}").get_data(as_text=True)
    assert "2027-Q2" in page
    edition_page = client.get(base(promotion)).get_data(as_text=True)
    assert "Bénévoles mobilisés · total 15" in edition_page  # 8 + 5 of Alpha, 2 of Beta


def test_a_report_naming_a_person_is_refused_with_the_field(app, web_session, person, now, promotion):
    alpha = promotion.laureates[0]
    member(web_session, person, "alpha@example.test", "laureate", now, laureate=alpha)
    client = login(app, "alpha@example.test")
    response = client.post(f"{base(promotion)}/laureates/{alpha.id}/reports",
                           data={"period": "2027-Q2", "volunteers": "5", "comment": "Sortie de M. Durand"},
                           follow_redirects=True)
    assert "données sur une personne" in response.get_data(as_text=True)
    assert "2027-Q2" not in response.get_data(as_text=True).split("Rapports")[1].split("<form")[0]


def test_a_count_of_3_people_prints_as_under_5_on_the_page_and_in_the_csv(app, web_session, person, now, promotion):
    member(web_session, person, "equipe@example.test", "staff", now)
    staff = login(app, "equipe@example.test")
    for url in (base(promotion), "/programmes/actice"):
        page = staff.get(url).get_data(as_text=True)
        page = page[page.index('id="figures"'):]
        row = page[page.index("<th scope=\"row\">Atelier Alpha</th>"):].split("</tr>")[0]
        assert "<td>&lt;5</td>" in row and "<td>3</td>" not in row, url
    csv_text = staff.get(f"{base(promotion)}/figures.csv?form=machine").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert ["Sorties vers l'emploi ou la formation", "Atelier Alpha", "<5"] in rows
    assert ["Sorties vers l'emploi ou la formation", "Atelier Beta", "*"] in rows
    assert ["Sorties vers l'emploi ou la formation", "total", "15"] in rows
    review = staff.get(f"{base(promotion)}/review.html").get_data(as_text=True)
    assert "Atelier Alpha" in review and "&lt;5" in review and "<td>3</td>" not in review


def test_a_funder_reads_the_figures_and_changes_nothing(app, web_session, person, now, promotion):
    member(web_session, person, "mecene@example.test", "funder", now)
    client = login(app, "mecene@example.test")
    page = client.get(base(promotion)).get_data(as_text=True)
    assert "Atelier Alpha" in page and "Atelier Beta" in page and "Atelier Gamma" not in page
    assert client.get(f"{base(promotion)}/review.html").status_code == 200
    assert client.post(f"{base(promotion)}/publish", data={"published_on": "2027-01-01"}).status_code == 403
    assert client.post(f"{base(promotion)}/review/difficulties", data={"text": "x"}).status_code == 403
    web_session.expire_all()
    assert not promotion.review_texts


def test_a_committee_member_scores_the_applications_of_its_own_edition_only(app, web_session, person, now, promotion,
                                                                          manager):
    day = datetime(2026, 6, 1, 9, tzinfo=timezone.utc)
    other = ops.open_edition(web_session, ACTICE, label="Promotion bis", starts_on="2026-06-01", actor=manager, now=day)
    ops.publish_call(web_session, ACTICE, other, published_on="2026-06-01", actor=manager, now=day)
    delta = ops.add_application(web_session, ACTICE, other, answers=interest("Atelier Delta"), actor=manager, now=day)
    ops.request_full_file(web_session, ACTICE, other, delta, actor=manager, now=day)
    ops.submit_full_file(web_session, ACTICE, other, delta, actor=manager, now=day + timedelta(days=40),
                         answers={"justice_link": "x", "economic_model": "y", "team": "z"})
    web_session.commit()
    member(web_session, person, "jury@example.test", "committee", now, edition=other, seat="federation")
    client = login(app, "jury@example.test")
    page = client.get(base(other)).get_data(as_text=True)
    assert "Atelier Delta" in page and "Noter Atelier Delta" in page
    assert client.post(f"{base(other)}/applications/{delta.id}/scores",
                       data={"score_justice_link": "3", "member": "someone else"}).status_code == 303
    web_session.expire_all()
    assert [(s.member, s.score) for s in delta.scores] == [("jury", 3)]  # in their own name
    # the promotion of 2026 is not theirs: nothing of it shows, nothing can be scored
    assert client.get(base(promotion)).status_code == 404
    gamma = promotion.applications[2]
    assert client.post(f"{base(promotion)}/applications/{gamma.id}/scores",
                       data={"score_justice_link": "3"}).status_code == 404
    assert client.post(f"{base(other)}/publish", data={"published_on": "2027-01-01"}).status_code == 403


def test_staff_plan_the_accompaniment_and_see_a_laureate_missing_its_follow_ups(app, web_session, person, now,
                                                                               promotion):
    member(web_session, person, "equipe@example.test", "staff", now)
    staff = login(app, "equipe@example.test")
    assert staff.post(f"{base(promotion)}/accompaniment", data={"starts_on": "2026-12-14"}).status_code == 303
    page = staff.get(base(promotion)).get_data(as_text=True)
    assert "Comprendre le fonctionnement de la justice" in page and "séance de co-développement" in page
    from setupflow.committees.models import Meeting

    web_session.expire_all()
    beta = promotion.laureates[1]
    follow_ups = web_session.scalars(select(Meeting).where(Meeting.laureate_id == beta.id)
                                     .order_by(Meeting.starts_dt)).all()
    assert follow_ups[0].starts_dt <= now and follow_ups[1].starts_dt > now  # the first one is past
    url = f"{base(promotion)}/meetings/{follow_ups[0].id}/held"
    assert staff.post(url, data={"missed": "1"}).status_code == 303
    assert "suivis manqués" not in staff.get("/programmes/actice").get_data(as_text=True)
    ops.mark_held(web_session, ACTICE, follow_ups[1], now=now + timedelta(days=40), missed=True)
    web_session.commit()
    page = staff.get("/programmes/actice").get_data(as_text=True)
    assert "Atelier Beta\u00a0: 2 suivis manqués d'affilée" in page


def test_the_programme_and_edition_pages_cost_the_same_statements_whatever_their_size(app, web_session, person, now,
                                                                                     manager):
    """A bounded number of SQL statements: more editions, laureates and reports add none."""
    from sqlalchemy import event

    member(web_session, person, "equipe@example.test", "staff", now)
    staff = login(app, "equipe@example.test")
    engine = app.extensions["setupflow_engine"]

    def grow(n, size):
        for k in range(n):
            e = ops.open_edition(web_session, ACTICE, label=f"Promotion {len(web_session.scalars(select(Edition)).all())}",
                                 starts_on="2026-10-01", actor=manager, now=now)
            ops.publish_call(web_session, ACTICE, e, published_on="2026-10-01", actor=manager, now=now)
            for i in range(size):
                a = ops.add_application(web_session, ACTICE, e, answers=interest(f"P{e.id}-{i}"), actor=manager, now=now,
                                        received_on="2026-10-05")
                ops.request_full_file(web_session, ACTICE, e, a, actor=manager, now=now)
                ops.submit_full_file(web_session, ACTICE, e, a, actor=manager, now=now, received_on="2026-11-10",
                                     answers={"justice_link": "x", "economic_model": "y", "team": "z"})
                ops.score(web_session, ACTICE, e, a, member="M", scores={"justice_link": 3}, actor=manager, now=now)
                lt = ops.add_laureate(web_session, ACTICE, e, project=f"L{e.id}-{i}", organisations=["A"], department="69",
                                      purpose="x", now=now)
                for q in ("2027-Q1", "2027-Q2"):
                    ops.report(web_session, ACTICE, e, lt, period=q, values={"volunteers": 6, "people_accompanied": 7},
                               actor=manager, now=now)
        web_session.commit()
        return e

    def statements(url):
        seen = []
        listener = lambda *a: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert staff.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    small = grow(1, 2)
    before = (statements("/programmes/actice"), statements(base(small)))
    large = grow(3, 6)
    assert (statements("/programmes/actice"), statements(base(large))) == before


# -- the accompaniment's meetings --------------------------------------------------------------

def test_staff_hold_a_collective_day_with_attendance_and_minutes_and_its_laureates_read_them(
        app, web_session, person, now, promotion):
    from setupflow.programmes import meetings as pm

    member(web_session, person, "equipe@example.test", "staff", now)
    alpha_user = member(web_session, person, "alpha@example.test", "laureate", now, laureate=promotion.laureates[0])
    day = pm.schedule_meeting(web_session, ACTICE, promotion, kind="collective_day", key="justice_system",
                              starts_dt=now - timedelta(hours=3), now=now - timedelta(days=30), place="Maison fictive")
    web_session.commit()
    staff = login(app, "equipe@example.test")
    url = f"{base(promotion)}/meetings/{day.id}"
    page = staff.get(url).get_data(as_text=True)
    assert "Journée collective\u00a0: Comprendre le fonctionnement de la justice" in page and "Maison fictive" in page
    assert staff.post(f"{url}/held", data={f"attendance-{alpha_user.id}": "present"}).status_code == 303
    assert staff.post(f"{url}/minutes", data={"based_on": "0", "body": "# Journée\n\nLes lauréats ont échangé."}
                      ).status_code == 303
    stale = staff.post(f"{url}/minutes", data={"based_on": "0", "body": "Écrasé ?"}, follow_redirects=True)
    assert "version" in stale.get_data(as_text=True)
    web_session.expire_all()
    assert day.status == "held" and [a.attendance for a in day.attendees if a.user_id == alpha_user.id] == ["present"]
    laureate = login(app, "alpha@example.test")
    page = laureate.get(url).get_data(as_text=True)
    assert "Les lauréats ont échangé." in page and "Écrasé" not in page
    assert "Enregistrer le compte rendu" not in page  # reading, not writing
    assert laureate.post(f"{url}/minutes", data={"based_on": "1", "body": "x"}).status_code == 403


def test_a_laureate_never_opens_another_laureates_follow_up_nor_the_selection_meeting(
        app, web_session, person, now, promotion):
    from setupflow.committees.models import Meeting
    from setupflow.programmes import meetings as pm

    alpha, beta = promotion.laureates
    member(web_session, person, "alpha@example.test", "laureate", now, laureate=alpha)
    own = pm.schedule_meeting(web_session, ACTICE, promotion, kind="follow_up", laureate=alpha, starts_dt=now, now=now)
    other = pm.schedule_meeting(web_session, ACTICE, promotion, kind="follow_up", laureate=beta, starts_dt=now, now=now)
    web_session.commit()
    selection = web_session.scalar(select(Meeting).where(Meeting.edition_id == promotion.id,
                                                         Meeting.committee_id == "selection"))
    client = login(app, "alpha@example.test")
    assert client.get(f"{base(promotion)}/meetings/{own.id}").status_code == 200
    for meeting in (other, selection):
        assert client.get(f"{base(promotion)}/meetings/{meeting.id}").status_code == 404
        assert client.get(f"{base(promotion)}/meetings/{meeting.id}/invitation.ics").status_code == 404
    assert "Atelier Beta" not in client.get(base(promotion)).get_data(as_text=True)


def test_the_invitation_file_of_a_programme_meeting_is_the_event_the_e_mails_carry(
        app, web_session, person, now, promotion):
    import icalendar

    from setupflow.programmes import meetings as pm

    member(web_session, person, "equipe@example.test", "staff", now)
    day = pm.schedule_meeting(web_session, ACTICE, promotion, kind="event", key="funders",
                              starts_dt=now + timedelta(days=20), now=now, video_url="https://visio.example.test/x")
    web_session.commit()
    staff = login(app, "equipe@example.test")
    response = staff.get(f"{base(promotion)}/meetings/{day.id}/invitation.ics")
    event = icalendar.Calendar.from_ical(response.data).walk("VEVENT")[0]
    assert response.mimetype == "text/calendar" and str(event["UID"]) == day.uid
    assert "equipe@example.test" in str(event["ATTENDEE"])
    moved = staff.post(f"{base(promotion)}/meetings/{day.id}/move", data={"day": "2027-02-15", "time": "14:00"})
    assert moved.status_code == 303
    event = icalendar.Calendar.from_ical(staff.get(f"{base(promotion)}/meetings/{day.id}/invitation.ics").data
                                         ).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 1 and event["DTSTART"].dt.isoformat() == "2027-02-15T13:00:00+00:00"


def test_the_weights_change_on_the_web_with_the_command_lines_checks_until_the_call_is_published(
        app, web_session, person, now, manager):
    member(web_session, person, "equipe@example.test", "staff", now)
    edition = ops.open_edition(web_session, ACTICE, label="Promotion 2028", starts_on="2028-01-03", actor=manager,
                               now=now)
    web_session.commit()
    staff = login(app, "equipe@example.test")
    ids = [c["id"] for c in edition.criteria]
    form = {f"weight_{i}": "1" for i in ids}
    refused = staff.post(f"{base(edition)}/weights", data={**form, f"weight_{ids[1]}": "12"}, follow_redirects=True)
    assert "entre 0 et 10" in refused.get_data(as_text=True)
    web_session.expire_all()
    assert [c["weight"] for c in edition.criteria] != [1] * len(ids)  # nothing half-written
    assert staff.post(f"{base(edition)}/weights", data={**form, f"weight_{ids[0]}": "7"}).status_code == 303
    web_session.expire_all()
    assert [c["weight"] for c in edition.criteria] == [7] + [1] * (len(ids) - 1)
    assert "Modifier les pondérations" in staff.get(base(edition)).get_data(as_text=True)
    ops.publish_call(web_session, ACTICE, edition, published_on="2028-01-03", actor=manager, now=now)
    web_session.commit()
    assert "Modifier les pondérations" not in staff.get(base(edition)).get_data(as_text=True)
    staff.post(f"{base(edition)}/weights", data=form)
    web_session.expire_all()
    assert edition.criteria[0]["weight"] == 7
