"""The stored portfolio lines say exactly what a recomputation from scratch says: for every
demo site, after each kind of change (which marks the changed site's line stale in its own
transaction, and no other), and after a day change once refreshed; ``setupflow portfolio
verify`` finds a line that was tampered with and a missing trigger."""
from datetime import date, datetime, timedelta, timezone

from click.testing import CliRunner
from sqlalchemy import select, update

from setupflow import portfolio_summary as summary
from setupflow.accounts.access import SiteScope, site_scope
from setupflow.demo import build_demo
from setupflow.portfolio_summary import C, T, verify
from setupflow.sites import operations as ops
from tests.web_fixtures import PASSWORD

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=timezone.utc)


def stored(session, site_id):
    return session.connection().execute(select(T).where(T.c.site_id == site_id)).one()._mapping


def test_every_demo_site_has_a_stored_line_equal_to_its_recomputation(db, catalog):
    with db.factory() as session:
        sites = build_demo(session, catalog, NOW)
        session.commit()
        assert verify(session, NOW) == ([], len(sites))  # no line yet: the first reader computes them
        assert summary.refresh_day(session, NOW) == len(sites)
        session.commit()
        assert verify(session, NOW) == ([], 0) and summary.verify_counts(session) == []
        assert session.connection().execute(select(T.c.site_id).order_by(T.c.site_id)).scalars().all() == sorted(
            s.id for s in sites)
        healths = {stored(session, s.id)["health"] for s in sites}
        assert len(healths) > 1, healths  # the demo shows more than one health: the check compares something


def test_each_kind_of_change_marks_its_line_stale_in_its_own_transaction(db, session, catalog, manager, make_site, walk,
                                                                      make_team):
    from setupflow.committees import actions, attendance, operations as meetings
    from setupflow.sites.records import record

    site = make_site(name="Atelier suivi", start="2026-06-01", opening="2028-06-01")
    other = make_site(name="Atelier témoin", start="2026-06-01", opening="2031-01-01")

    def consistent():
        """The change marked the site's line stale (and no other); a reader's refresh then
        writes the line a recomputation from scratch gives."""
        session.commit()
        session.expire_all()
        assert set(summary.stale_ids(session, NOW)) <= {site.id}
        summary.refresh_day(session, NOW)
        session.commit()
        assert verify(session, NOW) == ([], 0)
        assert summary.verify_counts(session) == []  # the kept counts followed the line
        return stored(session, site.id)

    def marked():
        session.commit()
        return list(summary.stale_ids(session, NOW)) == [site.id]

    session.commit()
    assert set(summary.stale_ids(session, NOW)) == {site.id, other.id}  # a new site's line is stale at once
    summary.refresh_day(session, NOW)
    line = consistent()
    assert line["health"] == "late" and line["stage_index"] == 0
    untouched = stored(session, other.id)["computed_dt"]

    first = ops.workflow_of(site).stages[0]
    ops.set_task(session, site, first.gate.tasks[0], True, manager, NOW)  # a tick
    assert marked()
    for task in first.gate.tasks:
        ops.set_task(session, site, task, True, manager, NOW)
    consistent()
    walk(site, "call")  # stage moves, decisions, evidence, held meetings
    assert consistent()["stage_index"] == 3
    people = make_team(site)
    meeting = meetings.schedule(session, site, "technical", "2027-02-09T14:00", manager, NOW)
    assert marked()
    line = consistent()  # a meeting scheduled
    assert line["next_meeting_id"] == meeting.id
    earlier = meetings.schedule(session, site, "technical", "2027-01-20T10:00", manager, NOW)
    assert consistent()["next_meeting_id"] == earlier.id
    meetings.cancel(session, earlier, manager, NOW, reason="salle indisponible")  # a meeting cancelled
    assert consistent()["next_meeting_id"] == meeting.id
    held = meetings.schedule(session, site, "technical", "2027-01-04T08:00", manager, NOW - timedelta(days=3))
    attendance.mark_held(session, held, {people["ep"].id: "present"}, manager, NOW)
    item = actions.add_action(session, held, "Relancer la DDETS", people["ep"], manager, NOW, due_on="2027-01-02")
    assert consistent()["overdue_actions"] == 1  # an action item past its due date
    actions.set_action_status(session, item, "done", manager, NOW)
    assert consistent()["overdue_actions"] == 0
    decision = ops.current_decisions(session, site)["structure_type"]
    ops.withdraw_decision(session, site, decision, "le choix est remis en cause", manager, NOW)
    assert marked()
    assert consistent()["unmet_gates"] == "diagnose"  # a decision withdrawn
    ops.record_decision(session, site, key=None, value=None, text="Point d'étape (fictif)", actor=manager, now=NOW)
    consistent()  # a decision without a key
    # a target date changed through the recorded-change path (a Core UPDATE, not an ORM flush)
    record(session, site, manager, NOW, "retargeted", changes={"target_opening_on": date(2032, 1, 1)})
    assert marked()
    line = consistent()
    assert line["health_reason"] not in ("target_missed", "target_at_risk")  # the forecast fits the new target
    assert stored(session, other.id)["computed_dt"] == untouched  # only the changed site was recomputed
    wrong = "opened" if line["health"] != "opened" else "late"
    session.connection().execute(update(T).where(T.c.site_id == site.id).values(health=wrong))
    assert verify(session, NOW) == ([summary.Difference(site.id, "health", wrong, line["health"])], 0)


def test_a_new_day_makes_lines_stale_and_the_refresh_rewrites_them(db, session, make_site):
    site = make_site(name="Atelier du lendemain", start="2026-09-01", opening="2031-01-01")
    assert summary.refresh_day(session, NOW) == 1
    session.commit()
    assert stored(session, site.id)["health"] == "at_risk"  # four months in, gate unmet
    later = NOW + timedelta(days=200)
    assert verify(session, NOW) == ([], 0) and verify(session, later) == ([], 1)
    assert list(summary.stale_ids(session, later)) == [site.id]
    assert summary.refresh_day(session, later) == 1
    session.commit()
    assert verify(session, later) == ([], 0) and summary.stale_ids(session, later) == {}
    assert stored(session, site.id)["health"] == "late"


def test_every_marking_trigger_is_in_the_migrated_schema(session):
    assert summary.missing_triggers(session) == []


def test_a_change_to_a_line_already_stale_keeps_it_stale_and_bumps_its_generation(db, session, manager, make_site):
    """The SQLite triggers bump the generation alone when the line is already stale (they
    leave its indexes alone): each change must still be seen by a refresh that read the
    line before it."""
    site = make_site(name="Atelier deux fois", start="2026-06-01", opening="2031-01-01")
    summary.refresh_day(session, NOW)
    session.commit()
    computed = stored(session, site.id)
    assert computed["computed_dt"] is not None
    tasks = ops.workflow_of(site).stages[0].gate.tasks
    generations = []
    for task in tasks[:2]:
        ops.set_task(session, site, task, True, manager, NOW)
        session.commit()
        line = stored(session, site.id)
        assert line["computed_dt"] is None and list(summary.stale_ids(session, NOW)) == [site.id]
        generations.append(line["generation"])
    assert computed["generation"] < generations[0] < generations[1]
    summary.refresh_day(session, NOW)
    session.commit()
    assert verify(session, NOW) == ([], 0) and summary.stale_ids(session, NOW) == {}


def test_portfolio_verify_reports_a_tampered_line_and_exits_non_zero(db, session, make_site, monkeypatch):
    from setupflow.cli import cli
    from setupflow.cli.common import run_cli

    for key, value in db.env().items():
        monkeypatch.setenv(key, value)

    def run(*args):
        with CliRunner().isolation() as (out, err, *_):
            code = run_cli(cli, list(args))
            return code, out.getvalue().decode()

    site = make_site(name="Atelier vérifié", start="2026-06-01", opening="2031-01-01")
    at = ("--now", "2027-01-04T10:00")
    code, out = run("portfolio", "verify", *at)
    assert code == 0 and "1 line(s) stale or missing" in out, out
    assert run("portfolio", "refresh", *at)[0] == 0
    code, out = run("portfolio", "verify", *at)
    assert code == 0 and "every stored line matches" in out and "0 line(s) stale" in out, out
    session.connection().execute(update(T).where(T.c.site_id == site.id).values(health="on_track"))
    session.commit()
    code, out = run("portfolio", "verify", *at)
    assert code == 1 and f"site {site.id}: health: stored 'on_track', computed 'late'" in out, out
    assert run("portfolio", "refresh", "--all", *at)[0] == 0
    assert run("portfolio", "verify", *at)[0] == 0
    session.connection().execute(update(C).where(C.c.user_id == 0).values(n=C.c.n + 2))  # a count tampered with
    session.commit()
    code, out = run("portfolio", "verify", *at)
    assert code == 1 and "count of every site" in out and "stored 3, recounted 1" in out, out
    assert run("portfolio", "refresh", *at)[0] == 0
    code, out = run("portfolio", "verify", *at)
    assert code == 0 and "every stored line matches" in out, out


def test_the_workers_full_planning_pass_refreshes_the_lines_a_new_day_made_stale(db, session, make_site):
    from setupflow.reminders.worker import Worker

    site = make_site(name="Atelier du lendemain", start="2026-09-01", opening="2031-01-01")
    session.commit()
    later = NOW + timedelta(days=200)
    with Worker(db.settings()) as worker:
        result = worker.plan(later)
    assert result.portfolio_lines == 1
    session.expire_all()
    assert verify(session, later) == ([], 0)
    assert stored(session, site.id)["health"] == "late"


def test_the_kept_counts_follow_new_sites_links_moves_and_deletions_and_equal_each_scopes_own_count(
        db, session, catalog, make_site, now):
    """The counts of a scope read from the kept counts (a few rows) equal the count of the
    sites the person may see, one by one, for every role; after each kind of change that
    moves a count (a new site, a person linked to a site or unlinked, a site moved to
    another region, a person or a site deleted) and a reader's refresh."""
    from setupflow.accounts import operations as accounts
    from setupflow.accounts.access import visible_sites_query
    from setupflow.accounts.models import User, UserSite
    from setupflow.sites.models import Site

    bretagne = [make_site(name=f"Atelier breton {i}", start="2026-06-01", opening=opening, region="Bretagne",
                          disp="DISP Rennes") for i, opening in enumerate(("2028-06-01", "2031-01-01"))]
    normand = make_site(name="Atelier normand", start="2026-09-01", opening="2031-01-01", region="Normandie",
                        disp="DISP Rennes")
    bare = make_site(name="Atelier sans région", start="2026-06-01", opening="2031-01-01")
    people = {
        "admin": accounts.create_user(session, email="admin@example.test", role="admin", password=PASSWORD,
                                      now=now),
        "cress": accounts.create_user(session, email="cress@example.test", role="cress", password=PASSWORD, now=now,
                                      region="Bretagne", site_ids=(normand.id, bretagne[0].id)),
        "lead": accounts.create_user(session, email="lead@example.test", role="lead", password=PASSWORD, now=now,
                                     site_ids=(bretagne[1].id, bare.id)),
        "applicant": accounts.create_user(session, email="candidat@example.test", role="applicant",
                                          password=PASSWORD, now=now),
    }
    session.commit()

    def agree():
        session.commit()
        summary.refresh_day(session, NOW)
        session.commit()
        assert summary.verify_counts(session) == []
        for role, user in people.items():
            scope = site_scope(user)
            kept = sorted(summary.kept_counts(session, scope), key=str) if scope else []
            direct = sorted((tuple(g) for g in summary.counts(session, visible_sites_query(user))), key=str)
            assert kept == direct, role
            # what the page shows, summed by the database from the kept counts, under each filter
            for criteria in ({}, {"region": "Bretagne"}, {"disp": "DISP Rennes"}, {"health": "late"},
                             {"stage": bare.stage, "region": "Normandie"}):
                totals = summary.kept_totals(session, scope, **criteria) if scope else summary.Totals({}, {}, [], [], 0)
                assert totals == summary.totals_of(direct, **criteria), (role, criteria)
        return {role: sum(g[4] for g in summary.kept_counts(session, site_scope(user)))
                for role, user in people.items() if role != "applicant"}

    assert agree() == {"admin": 4, "cress": 3, "lead": 2}
    later = make_site(name="Atelier nouveau", start="2026-06-01", opening="2031-01-01", region="Bretagne")
    session.commit()  # a new site: counted at once, as a line not computed yet, then as computed
    assert sum(g[4] for g in summary.kept_counts(session, SiteScope(everything=True))) == 5
    assert agree() == {"admin": 5, "cress": 4, "lead": 2}
    accounts.assign_site(session, people["lead"], later.id, now)  # a person linked to a site
    assert agree()["lead"] == 3
    session.execute(UserSite.__table__.delete().where(UserSite.user_id == people["lead"].id,
                                                      UserSite.site_id == bare.id))  # and unlinked
    assert agree()["lead"] == 2
    session.execute(Site.__table__.update().where(Site.id == normand.id).values(region="Bretagne"))
    assert agree()["cress"] == 4  # a site moved to the region (the line is stale, then recomputed)
    session.execute(Site.__table__.update().where(Site.id == bretagne[0].id).values(region=None))
    assert agree()["cress"] == 4  # moved out of the region, still linked to the Cress person
    session.execute(User.__table__.delete().where(User.id == people.pop("lead").id))  # a person deleted
    assert agree() == {"admin": 5, "cress": 4}
    session.execute(Site.__table__.delete().where(Site.id == later.id))  # a site deleted (its line goes with it)
    assert agree() == {"admin": 4, "cress": 3}
