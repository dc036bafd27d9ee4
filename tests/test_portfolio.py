"""The portfolio: health from the retro-planning, filters, and a constant number of SQL
statements whatever the number of sites. Engine mechanics, on tests/definitions/
committees.yaml (gather: 2 to 4 months, build: 3 to 5) and tiny.yaml."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import event, select

from setupflow import portfolio
from setupflow.accounts.access import site_scope
from setupflow.sites import operations as ops
from setupflow.sites.models import Site

from web_fixtures import *  # noqa: F401,F403


TODAY = date(2027, 1, 4)


@pytest.fixture
def app(app_with_test_definitions):
    return app_with_test_definitions


#: the sites of tests/definitions/committees.yaml (``site_in`` of tests/web_fixtures.py)
SITE_IN = {"workflow_id": "committees"}


@pytest.fixture
def many_sites(web_session, catalog, manager, now):
    def make(count):
        for i in range(count):
            site = ops.create_site(web_session, catalog, name=f"Atelier {i:03}", workflow_id="committees",
                                   start_on="2026-06-01", opening_on="2028-12-01", actor=manager, now=now,
                                   region="Bretagne" if i % 2 else "Normandie", disp="DISP Rennes")
            workflow = ops.workflow_of(site)
            first = workflow.stages[0]
            ops.set_task(web_session, site, first.tasks[0].id, True, manager, now)
            if i % 3 == 0:
                ops.record_decision(web_session, site, key=None, value=None, text="Décision du comité (fictive)",
                                    actor=manager, now=now)
        web_session.commit()
    return make


class StatementCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def _seen(self, *args):
        self.count += 1

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)


def count_statements(engine, session, user_query):
    portfolio.portfolio(session, user_query, TODAY)  # the lines of TODAY written (the worker's job on a new day)
    session.commit()
    session.expire_all()
    with StatementCounter(engine) as counter:
        rows = portfolio.portfolio(session, user_query, TODAY, sort="health")
    return counter.count, len(rows)


def test_the_portfolio_query_count_does_not_grow_with_the_number_of_sites(sqlite_db, web_session, many_sites):
    many_sites(5)
    few = count_statements(sqlite_db.engine, web_session, select(Site))
    many_sites(45)
    many = count_statements(sqlite_db.engine, web_session, select(Site))
    assert few[1] == 5 and many[1] == 50
    print(f"portfolio statements: {few[0]} for 5 sites, {many[0]} for 50 sites")
    # freshness probe, sites without a line, the order, the lines (500 a statement), definitions
    assert few[0] == many[0] == 5, (few, many)


def test_the_portfolio_page_runs_the_same_number_of_statements_for_5_and_50_sites(app, sqlite_db, many_sites,
                                                                                   logged_in):
    admin = logged_in("admin@example.test", "admin")
    many_sites(5)

    def page_statements():
        admin.get("/portfolio")  # the new sites' lines written once (a site created out of a request has them)
        with StatementCounter(app.extensions["setupflow_engine"]) as counter:
            assert admin.get("/portfolio").status_code == 200
        return counter.count

    few = page_statements()
    many_sites(45)
    many = page_statements()
    print(f"/portfolio request statements: {few} for 5 sites, {many} for 50 sites")
    assert many == few <= 10


def test_health_follows_the_retro_planning(site_in, web_session):
    def health(start, opening, today=TODAY):
        site = site_in(name=f"{start}-{opening}", start=start, opening=opening)
        [row] = [r for r in portfolio.portfolio(web_session, select(Site).where(Site.id == site.id), today)]
        return row.health, row.health_reason

    # 2 stages of 2-4/3-5 months: 5 to 9 months from the start
    assert health("2027-01-04", "2028-01-04") == ("on_track", "ok")
    assert health("2027-01-04", "2027-08-04") == ("at_risk", "target_at_risk")
    assert health("2027-01-04", "2027-05-04") == ("late", "target_missed")
    # five months in the first stage: past its four-month maximum
    assert health("2026-08-04", "2031-01-01") == ("late", "past_max")
    # three months in, gate not met, past the two-month minimum
    assert health("2026-10-04", "2031-01-01") == ("at_risk", "past_min")


def test_filters_narrow_the_rows(web_session, many_sites):
    many_sites(6)
    rows = portfolio.portfolio(web_session, select(Site), TODAY, region="Bretagne")
    assert len(rows) == 3 and {r.site.region for r in rows} == {"Bretagne"}
    assert portfolio.portfolio(web_session, select(Site), TODAY, stage="build") == []
    assert all(r.health == "late" for r in portfolio.portfolio(web_session, select(Site), TODAY, health="late"))
    names = [r.site.name for r in portfolio.portfolio(web_session, select(Site), TODAY, sort="name", descending=True)]
    assert names == sorted(names, reverse=True)


def test_the_portfolio_reads_each_backend_in_five_statements(db, session, make_site, walk):
    from setupflow.accounts.access import visible_sites_query
    from setupflow.accounts.operations import create_user

    for i in range(3):
        walk(make_site(name=f"Atelier {i}", region="Bretagne", workflow="tiny"), ("first", "second", "third")[i])
    cress = create_user(session, email="cress@example.test", role="cress", region="Bretagne",
                        password="mot-de-passe-de-test", now=datetime(2027, 1, 4, tzinfo=timezone.utc))
    session.commit()
    query = visible_sites_query(cress)
    portfolio.portfolio(session, query, TODAY)
    session.commit()
    session.expire_all()
    with StatementCounter(db.engine) as counter:
        rows = portfolio.portfolio(session, query, TODAY, sort="stage")
    assert [r.site.stage for r in rows] == ["first", "second", "third"]
    assert counter.count == 5


def test_the_meeting_and_action_columns_are_stored_with_the_line_and_cost_no_statement(
        sqlite_db, web_session, many_sites, manager, now):
    from setupflow.committees import actions, attendance, operations as meetings
    from setupflow.team import operations as team

    def statements():
        portfolio.portfolio(web_session, select(Site), TODAY, now=now)
        web_session.commit()
        web_session.expire_all()
        with StatementCounter(sqlite_db.engine) as counter:
            rows = portfolio.portfolio(web_session, select(Site), TODAY, now=now)
        return counter.count, rows

    many_sites(5)
    plain = count_statements(sqlite_db.engine, web_session, select(Site))[0]
    few, _ = statements()
    many_sites(45)
    for site in web_session.scalars(select(Site).order_by(Site.id).limit(20)):
        org = team.organisation_for(web_session, site, "ep", manager, now)
        someone = team.add_person(web_session, site, name="Personne fictive", email=f"p{site.id}@example.org",
                                  organisation=org, actor=manager, now=now, committees=("board",))
        held = meetings.schedule(web_session, site, "board", "2027-01-04T09:00", manager, now)
        attendance.mark_held(web_session, held, {someone.id: "present"}, manager, now.replace(hour=12))
        actions.add_action(web_session, held, "Relancer", someone, manager, now, due_on="2027-01-01")
        meetings.schedule(web_session, site, "board", "2027-02-09T14:00", manager, now)
    web_session.commit()
    many, rows = statements()
    print(f"portfolio statements with the meeting columns: {few} for 5 sites, {many} for 50 sites")
    # the next meeting, the overdue actions and the inconsistent gates are columns of the stored line
    assert few == many == plain
    with_meetings = [r for r in rows if "next_meeting" in r.extra]
    assert len(with_meetings) == 20
    assert all(r.extra["next_meeting"]["starts_dt"].isoformat().startswith("2027-02-09") for r in with_meetings)
    assert all(r.extra["overdue_actions"] == 1 for r in with_meetings)


def test_a_site_past_a_stage_whose_gate_decision_was_withdrawn_is_flagged(site_in, web_session, web_walk, manager,
                                                                          now, logged_in):
    site = web_walk(site_in(name="Atelier incohérent"), "build", {"flavour": "plain"})
    web_walk(site_in(name="Atelier cohérent"), "build", {"flavour": "plain"})
    # seen once while consistent: the remembered answer must not outlive the withdrawal
    assert not any("unmet_gates" in r.extra for r in portfolio.portfolio(web_session, select(Site), TODAY))
    decision = ops.current_decisions(web_session, site)["flavour"]
    ops.withdraw_decision(web_session, site, decision, "le choix est remis en cause", manager, now)
    web_session.commit()
    rows = {r.site.name: r for r in portfolio.portfolio(web_session, select(Site), TODAY, now=now)}
    assert rows["Atelier incohérent"].extra["unmet_gates"] == ["gather"]
    assert "unmet_gates" not in rows["Atelier cohérent"].extra
    client = logged_in("cress@example.test", "cress", region="Bretagne")
    page = client.get("/portfolio").get_data(as_text=True)
    assert page.count("Incohérent") == 1


def _scoped_world(session, make_site):
    """Sites of two regions and none, a name differing only by case and one by an accent,
    and one person of each role that sees sites."""
    from setupflow.accounts.operations import create_user

    now = datetime(2027, 1, 4, tzinfo=timezone.utc)
    names = ["atelier b", "Atelier B", "Atelier É", "Atelier a", "Zèbre", "atelier c", "Atelier D", "Atelier e"]
    sites = [make_site(name=name, workflow="committees", start=("2026-06-01", "2026-09-01", "2027-01-04")[i % 3],
                       opening=("2028-06-01", "2031-01-01", "2029-01-01")[i % 3],
                       region=("Bretagne", "Normandie", None)[i % 3], disp=("DISP Rennes", None)[i % 2])
             for i, name in enumerate(names)]
    password = "mot-de-passe-de-test"
    people = [create_user(session, email="admin@example.test", role="admin", password=password, now=now),
              create_user(session, email="cress@example.test", role="cress", region="Bretagne", password=password,
                          now=now, site_ids=(sites[1].id, sites[2].id)),
              create_user(session, email="lead@example.test", role="lead", password=password, now=now,
                          site_ids=(sites[0].id, sites[4].id, sites[5].id))]
    session.commit()
    return sites, people


def test_a_page_read_on_the_stored_lines_in_its_scope_is_the_page_of_the_visible_sites(db, session, make_site):
    """The page reads the person's sites on the stored lines (region copy, links) and its
    counts from the kept counts: for every role, sort, direction and filter it shows the
    rows and counts that the sites the person may see give, read one by one."""
    from setupflow.accounts.access import visible_sites_query

    _sites, people = _scoped_world(session, make_site)
    now = datetime(2027, 1, 4, 9, tzinfo=timezone.utc)
    for user in people:
        query = visible_sites_query(user)
        for criteria in [{"sort": sort, "descending": d} for sort in portfolio.SORTS for d in (False, True)] + [
                {"region": "Bretagne"}, {"disp": "DISP Rennes", "sort": "health"}, {"health": "late"},
                {"stage": "gather"}]:
            for page in (1, 2):
                kept = portfolio.overview(session, query, TODAY, page=page, per_page=3, now=now,
                                          scope=site_scope(user), **criteria)
                direct = portfolio.overview(session, query, TODAY, page=page, per_page=3, now=now, **criteria)
                assert [r.site.id for r in kept.rows] == [r.site.id for r in direct.rows], (user.role, criteria)
                assert (kept.matching, kept.pages, kept.summary) == (direct.matching, direct.pages, direct.summary)
        assert portfolio.overview(session, query, TODAY, now=now, scope=site_scope(user)).rows
    names = [r.site.name for r in portfolio.overview(session, visible_sites_query(people[0]), TODAY, now=now,
                                                     scope=site_scope(people[0])).rows]
    # ASCII letters compared lowered, then the name's bytes: 'É' after every ASCII letter; same case: by id
    assert names == ["Atelier a", "atelier b", "Atelier B", "atelier c", "Atelier D", "Atelier e", "Atelier É",
                     "Zèbre"]


def _plan(session, query) -> str:
    conn = session.connection()
    sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
    if conn.dialect.name == "postgresql":
        # a table of a few rows is read whole and sorted whatever its indexes: with sorting
        # priced out, the plan still sorts unless an index gives the rows in the page's order
        conn.exec_driver_sql("SET LOCAL enable_sort = off")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))
        conn.exec_driver_sql("SET LOCAL enable_sort = on")
        return plan
    return "\n".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))


def test_the_page_reads_the_index_of_its_sort_up_to_its_limit_not_a_sort_of_every_line(db, session, make_site):
    """Page 1 in the default order, sorted by health and in one region, for the national
    and a regional person: the ids of the page are read from one index of the stored lines
    in the page's order (no sort of the matching lines), on both databases."""
    _sites, people = _scoped_world(session, make_site)
    portfolio.overview(session, select(Site), TODAY, now=datetime(2027, 1, 4, 9, tzinfo=timezone.utc))
    session.commit()
    for user in people[:2]:
        for criteria, index in (({}, "ix_site_summaries_by_name"), ({"sort": "health"}, "ix_site_summaries_by_health"),
                                ({"region": "Bretagne"}, "ix_site_summaries_by_region"),
                                ({"sort": "name", "descending": True}, "ix_site_summaries_by_name")):
            query = portfolio.page_ids(criteria, site_scope(user), 50)
            plan = _plan(session, query)
            assert index in plan and "Sort" not in plan and "TEMP B-TREE" not in plan, (user.role, criteria, plan)
