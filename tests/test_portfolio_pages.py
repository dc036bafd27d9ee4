"""The portfolio as a Cress user following many sites sees it: counts of every site,
then 50 rows a page, sorted and filtered over all of them; the export holds everything."""
import csv
import html
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from setupflow import portfolio
from setupflow.sites import operations as ops
from setupflow.sites.models import Site

from test_portfolio import StatementCounter
from web_fixtures import *  # noqa: F401,F403

TODAY = date(2027, 1, 4)
#: (start, target opening) -> health on TODAY (5 stages: 18 to 32 months from the start)
PACES = {("2027-01-04", "2030-01-04"): "on_track", ("2027-01-04", "2029-01-04"): "at_risk",
         ("2027-01-04", "2028-03-04"): "late", ("2026-06-01", "2031-01-01"): "late"}


@pytest.fixture
def followed(site_in, web_session):
    """``count`` sites in two regions at every pace, in name order Atelier 000, 001..."""
    def make(count):
        paces = list(PACES)
        return [site_in("Bretagne" if i % 2 else "Normandie", name=f"Atelier {i:03}", start=paces[i % 4][0],
                        opening=paces[i % 4][1]) for i in range(count)]
    return make


def names_on(body: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/sites/\d+">([^<]+)</a>', body)


def cress_following(logged_in, sites):
    return logged_in("suivi@cress.example.test", "cress", region="Aucune", sites=sites)


def test_a_cress_user_following_120_sites_sees_50_on_the_first_page_and_the_counts_of_all_120(
        followed, logged_in):
    client = cress_following(logged_in, followed(120))
    body = html.unescape(client.get("/portfolio").get_data(as_text=True))
    assert names_on(body) == [f"Atelier {i:03}" for i in range(50)]
    assert "Tous vos sites\u00a0: 120" in body and "Sites 1–50 sur 120" in body
    summary = body[body.index('id="summary-title"'):body.index('id="portfolio-range"')]
    counts = dict(re.findall(r'<span class="health-(\w+)">[^<]+</span> <span class="count">(\d+)</span>', summary))
    assert counts == {"on_track": "30", "at_risk": "30", "late": "60", "opened": "0"}
    assert re.search(r'Planifier[^<]*<span class="count">120</span>', summary)
    last = html.unescape(client.get("/portfolio?page=3").get_data(as_text=True))
    assert names_on(last) == [f"Atelier {i:03}" for i in range(100, 120)] and "Sites 101–120 sur 120" in last


def test_sorting_by_health_puts_late_sites_of_every_page_first(followed, logged_in):
    client = cress_following(logged_in, followed(120))
    shown = []
    for page in (1, 2, 3):
        shown += re.findall(r'<span class="health-(\w+)">', client.get(
            f"/portfolio?sort=health&page={page}").get_data(as_text=True).split('id="portfolio-range"')[1])
    assert shown == ["late"] * 60 + ["at_risk"] * 30 + ["on_track"] * 30


def test_sorting_by_next_deadline_covers_every_page_then_pages(followed, logged_in, web_session):
    sites = followed(120)
    client = cress_following(logged_in, sites)
    every = portfolio.portfolio(web_session, select(Site), TODAY, sort="deadline")
    web_session.commit()  # reading wrote the lines of TODAY: the pages' requests write none
    expected = [r.site.name for r in every]
    shown = []
    for page in (1, 2, 3):
        shown += names_on(html.unescape(client.get(f"/portfolio?sort=deadline&page={page}").get_data(as_text=True)))
    assert shown == expected
    windows = [r.next_deadline.window.earliest for r in every]
    assert windows == sorted(windows) and windows[0] != windows[-1]


def test_the_page_links_keep_the_filters_and_the_sort(followed, logged_in):
    client = cress_following(logged_in, followed(120))
    body = html.unescape(client.get("/portfolio?region=Bretagne&sort=health&order=desc").get_data(as_text=True))
    assert "Sites 1–50 sur 60" in body
    pager = body[body.index('class="pager"'):]
    assert 'aria-current="page"' in pager
    nxt = re.search(r'<a href="([^"]+)" rel="next">Page suivante</a>', pager).group(1)
    assert all(part in nxt for part in ("region=Bretagne", "sort=health", "order=desc", "page=2"))
    second = html.unescape(client.get(nxt).get_data(as_text=True))
    assert "Sites 51–60 sur 60" in second and 'rel="prev">Page précédente</a>' in second
    assert "Page suivante" not in second


def test_each_count_of_the_summary_leads_to_its_sites(followed, logged_in):
    client = cress_following(logged_in, followed(120))
    body = html.unescape(client.get("/portfolio?sort=deadline").get_data(as_text=True))
    link = re.search(r'<a href="([^"]+)"><span class="health-at_risk">', body).group(1)
    assert "health=at_risk" in link and "sort=deadline" in link
    filtered = html.unescape(client.get(link).get_data(as_text=True))
    assert "Sites 1–30 sur 30" in filtered
    assert set(re.findall(r'<span class="health-(\w+)">', filtered.split('id="portfolio-range"')[1])) == {"at_risk"}
    assert "Tous vos sites\u00a0: 120" in filtered  # the counts stay those of every visible site


def test_a_page_past_the_last_shows_the_last_and_a_bad_page_number_says_so(followed, logged_in):
    client = cress_following(logged_in, followed(60))
    assert "Sites 51–60 sur 60" in html.unescape(client.get("/portfolio?page=9").get_data(as_text=True))
    for bad in ("deux", "0", "-1", "²", "9" * 5000):
        answer = client.get(f"/portfolio?page={bad}")
        assert answer.status_code == 400, bad
        assert "nombre entier" in answer.get_data(as_text=True), bad
    assert "deux" in client.get("/portfolio?page=deux").get_data(as_text=True)


def test_the_csv_export_holds_every_matching_site_not_one_page(followed, logged_in):
    client = cress_following(logged_in, followed(120))
    rows = list(csv.reader(io.StringIO(client.get("/portfolio.csv").get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))
    assert len(rows) == 1 + 120
    late = list(csv.reader(io.StringIO(client.get("/portfolio.csv?health=late&sort=health&page=2")
                                       .get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert len(late) == 1 + 60 and {r[5] for r in late[1:]} == {"En retard"}


def test_a_csv_download_gives_its_database_connection_back_when_it_ends(app, followed, logged_in):
    """The rows are read while the file is sent, after the request's teardown: the
    connection they took goes back to the pool when the download ends (a server's pool ran
    dry after 15 downloads when it waited for the garbage collector)."""
    client = cress_following(logged_in, followed(3))
    for _ in range(3):
        answer = client.get("/portfolio.csv")
        assert len(answer.get_data(as_text=True).splitlines()) == 1 + 3
        answer.close()
    assert app.extensions["setupflow_engine"].pool.checkedout() == 0


def test_the_counts_and_the_pages_hold_only_the_sites_the_person_may_see(site_in, logged_in):
    site_in("Bretagne", name="Atelier suivi")
    site_in("Pays de la Loire", name="Atelier d'ailleurs")
    body = html.unescape(logged_in("cress@example.test", "cress", region="Bretagne").get("/portfolio")
                         .get_data(as_text=True))
    assert "Tous vos sites\u00a0: 1<" in body and "ailleurs" not in body


def test_the_page_runs_the_same_statements_for_5_and_120_sites(app, followed, logged_in):
    sites = followed(120)
    few = cress_following(logged_in, sites[:5])
    many = logged_in("national@cress.example.test", "cress", region="Aucune", sites=sites)

    def statements(client, url):
        client.get(url)
        with StatementCounter(app.extensions["setupflow_engine"]) as counter:
            assert client.get(url).status_code == 200
        return counter.count

    for url in ("/portfolio", "/portfolio?sort=health&page=2", "/portfolio?region=Bretagne"):
        assert statements(few, url) == statements(many, url) <= 10, url


def test_a_stored_line_follows_every_change_of_its_inputs(site_in, web_session, manager, now):
    """The health is stored and recomputed on each of its inputs: a tick, a new day, a move change it."""
    site = site_in(name="Atelier en cours", start="2026-09-01", opening="2031-01-01")

    def row(today=TODAY):
        web_session.expire_all()
        [found] = portfolio.portfolio(web_session, select(Site), today)
        return found.health, found.health_reason

    assert row() == ("at_risk", "past_min")  # four months in, past the three-month minimum, gate unmet
    assert row(date(2026, 11, 1)) == ("on_track", "ok")  # two months in: not past the minimum yet
    workflow = ops.workflow_of(site)
    for task in workflow.stages[0].gate.tasks:
        ops.set_task(web_session, site, task, True, manager, now)
    web_session.commit()
    assert row() == ("on_track", "ok")
    ops.set_task(web_session, site, workflow.stages[0].gate.tasks[0], False, manager, now)
    web_session.commit()
    assert row() == ("at_risk", "past_min")
    assert row(TODAY + timedelta(days=200)) == ("late", "past_max")
