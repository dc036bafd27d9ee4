"""After the opening the workshop lives on: its team reports the definition's aggregates each
quarter, the site's page and the national view show them per site and in total, with the
diagnostic's screen (a count of people under 5 never printed). Engine mechanics and pages,
on tests/definitions/committees.yaml (its sites report posts, people employed, hours and an
average stay); the guide's own list (marked ``method``) on workflows/cress-disp.yaml."""
import csv
import io

import pytest

from setupflow.after_opening import operations as after
from setupflow.errors import InputError

from web_fixtures import *  # noqa: F401,F403


#: what web_walk needs to take a site of tests/definitions/committees.yaml to its end
VALUES = {"flavour": "plain", "go_date": "2027-01-04"}


@pytest.fixture
def web_db(db):
    return db


@pytest.fixture
def app(app_with_test_definitions):
    return app_with_test_definitions


#: the sites of tests/definitions/committees.yaml (``site_in`` of tests/web_fixtures.py)
SITE_IN = {"workflow_id": "committees", "start_on": "2026-01-05", "opening_on": "2027-06-07"}


@pytest.mark.method
def test_the_definition_lists_what_an_opened_workshop_reports(catalog):
    spec = catalog.get("cress-disp").workflow.after_opening
    assert [i.id for i in spec.indicators] == ["posts_open", "posts_filled", "people_employed", "hours_worked",
                                               "exits_to_work", "average_stay_days"]
    assert spec.period == "quarter" and spec.indicator("average_stay_days").aggregate == "mean"
    assert spec.indicator("people_employed").about_people


def test_a_workshop_reports_only_once_opened(site_in, web_walk, web_session, manager, now):
    site = site_in()
    with pytest.raises(InputError) as caught:
        after.report(web_session, site, period="2029-Q1", values={"posts_open": "8"}, actor=manager, now=now)
    assert caught.value.code == "workshop.not_open"
    web_walk(site, "done", VALUES)
    after.report(web_session, site, period="2029-Q1", values={"posts_open": "8", "people_employed": "3"},
                 actor=manager, now=now)
    with pytest.raises(InputError) as caught:
        after.report(web_session, site, period="2029-03", values={"posts_open": "8"}, actor=manager, now=now)
    assert caught.value.params["example"] == "2027-Q1"


def test_a_count_of_3_people_employed_prints_as_under_5_on_the_site_page(site_in, web_walk, logged_in, web_session):
    site = web_walk(site_in(name="Atelier ouvert"), "done", VALUES)
    lead = logged_in("lead@example.test", "lead", sites=(site,))
    assert "Après l'ouverture" in lead.get(f"/sites/{site.id}").get_data(as_text=True)
    response = lead.post(f"/sites/{site.id}/after-opening/reports",
                         data={"period": "2029-Q1", "posts_open": "10", "people_employed": "3",
                               "hours_worked": "2100", "average_stay_days": "140"})
    assert response.status_code == 303
    page = lead.get(f"/sites/{site.id}/after-opening").get_data(as_text=True)
    row = page[page.index('<th scope="row">2029-Q1</th>'):].split("</tr>")[0]
    assert "<td>&lt;5</td>" in row and "<td>3</td>" not in row and "<td>2100</td>" in row
    partner = logged_in("partner@example.test", "partner", sites=(site,))
    assert partner.post(f"/sites/{site.id}/after-opening/reports",
                        data={"period": "2029-Q2", "posts_open": "1"}).status_code == 403


def test_the_national_view_adds_up_the_workshops_by_region_for_administrators_only(site_in, web_walk, logged_in,
                                                                                  web_session, manager, now):
    rennes = web_walk(site_in("Bretagne", name="Atelier Rennes", department="35"), "done", VALUES)
    brest = web_walk(site_in("Bretagne", name="Atelier Brest", department="29"), "done", VALUES)
    nantes = web_walk(site_in("Pays de la Loire", name="Atelier Nantes", department="44"), "done", VALUES)
    site_in("Bretagne", name="Atelier en projet")
    for site, employed, stay in ((rennes, "12", "100"), (brest, "2", "200"), (nantes, "9", "150")):
        after.report(web_session, site, period="2029-Q1", values={"people_employed": employed,
                                                                  "average_stay_days": stay, "hours_worked": "1000"},
                     actor=manager, now=now)
    web_session.commit()
    cress = logged_in("cress@example.test", "cress", region="Bretagne")
    assert cress.get("/national").status_code == 403 and cress.get("/national.csv").status_code == 403
    admin = logged_in("admin@example.test", "admin")
    page = admin.get("/national").get_data(as_text=True)
    assert "4 sites, dont 3 ateliers ouverts." in page
    by_site = page[page.index("Par atelier"):]
    brest = by_site[by_site.index("Atelier Brest"):].split("</tr>")[0]
    assert "<td>&lt;5</td>" in brest and "<td>2</td>" not in brest
    rows = list(csv.reader(io.StringIO(admin.get("/national.csv?form=machine").get_data(as_text=True).lstrip("\ufeff"))))
    assert ["region", "Bretagne", "Personnes employées", "14"] in rows
    assert ["region", "Pays de la Loire", "Heures travaillées", "1000"] in rows
    assert ["region", "Bretagne", "Durée moyenne (jours)", "150"] in rows  # the mean, not the sum
    # Brest's 2 people employed is under 5; the next smallest (Nantes' 9) is hidden too, or the
    # total minus the shown departments would give Brest's back
    assert ["department", "29", "Personnes employées", "<5"] in rows
    assert ["department", "44", "Personnes employées", "*"] in rows
    assert ["department", "35", "Personnes employées", "12"] in rows
    assert not [r for r in rows if r[2].startswith("Personnes") and r[3] == "2"]


def test_the_team_of_an_opened_workshop_is_reminded_once_a_quarter_until_it_reports(session, make_site, make_team,
                                                                                    walk, manager, now):
    from datetime import datetime, timezone

    from sqlalchemy import select

    from setupflow.reminders.models import Reminder
    from setupflow.reminders.operations import plan_site

    site = walk(make_site(workflow="committees"), "done")
    make_team(site, {"ep": ("board",), "cress": ("board",), "spip": ("board",)})
    in_may = datetime(2029, 5, 3, 9, tzinfo=timezone.utc)
    plan_site(session, site, in_may)
    session.commit()
    due = session.scalars(select(Reminder).where(Reminder.rule == "workshop_report_due")).all()
    # the EP's and the Cress's people, not the SPIP's (the walk's team file has an EP referent too)
    assert sorted(r.recipient for r in due) == ["p0.ep@example.org", "p1.cress@example.org",
                                                f"referent.ep.{site.id}@example.org"]
    assert {r.subject for r in due} == {f"site:{site.id}:workshop_report:2029-Q1"}
    assert {r.due_dt.date().isoformat() for r in due} == {"2029-04-11"}
    after.report(session, site, period="2029-Q1", values={"posts_open": "8"}, actor=manager, now=in_may)
    plan_site(session, site, in_may)
    session.commit()
    assert {r.state for r in session.scalars(select(Reminder).where(Reminder.rule == "workshop_report_due"))} \
        == {"withdrawn"}
