"""Re-planning is asked about like the initial planning: a target opening before the
earliest the method allows from where the site stands asks for confirmation and says by
how much (web: a second step; CLI: --confirm); nothing is refused for being early, and
the history says it was. Engine mechanics, on tests/definitions/ (tiny.yaml: 2+3+1 months
at least; committees.yaml: its last stage lasts 3 months at least and confirms the opening)."""
import json
import os
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from setupflow.cli import cli
from setupflow.cli.common import run_cli
from setupflow.committees.proposals import change_target_opening
from setupflow.planning import add_months
from setupflow.sites import operations as ops
from setupflow.sites.models import HistoryEntry, Site
from setupflow.support import operations as support

from tests.conftest import DEFINITIONS, WORKFLOWS
from tests.refused import refused
from web_fixtures import *  # noqa: F401,F403


def _history(session, site, action):
    return session.scalars(select(HistoryEntry).where(HistoryEntry.site_id == site.id,
                                                      HistoryEntry.action == action)).all()


def test_replanning_before_the_earliest_possible_opening_asks_and_says_by_how_much(session, make_site, manager, now):
    site = make_site(workflow="tiny", start="2027-01-04", opening="2029-01-01")
    # from the first stage entered on 2027-01-04, every stage at its minimum: 2+3+1 months
    earliest = add_months(date(2027, 1, 4), 6)
    target = date(2027, 5, 1)
    with refused("site.replan_before_earliest", field="opening", value=target, earliest=earliest,
                 days=(earliest - target).days):
        change_target_opening(session, site, target, manager, now, "Le financement presse", confirmed=False)
    assert site.target_opening_on == date(2029, 1, 1), "nothing moved while the question is open"
    change_target_opening(session, site, target, manager, now, "Le financement presse", confirmed=True)
    session.commit()
    entry = _history(session, site, "target_opening_changed")[-1]
    assert site.target_opening_on == target
    assert entry.detail["target_before_earliest"] == {"earliest": earliest.isoformat(), "days": (earliest - target).days}
    # a target the method allows is not asked about, and the history has no shortfall
    change_target_opening(session, site, "2029-06-01", manager, now, confirmed=False)
    session.commit()
    assert "target_before_earliest" not in _history(session, site, "target_opening_changed")[-1].detail


def test_the_earliest_possible_opening_follows_where_the_site_stands(session, make_site, walk, manager, now):
    site = walk(make_site(workflow="committees", start="2025-01-06", opening="2029-01-01"), "build")
    # in its last stage since today: its three months at least are still ahead, whatever the plan said
    earliest = add_months(now.date(), 3)
    assert ops.opening_shortfall(session, site, earliest, now.date()) is None
    assert ops.opening_shortfall(session, site, earliest - timedelta(days=10), now.date()) == (earliest, 10)
    with refused("site.replan_before_earliest", field="opening_on", days=10):
        support.confirm_opening(session, site, earliest - timedelta(days=10), actor=manager, now=now, confirmed=False)
    support.confirm_opening(session, site, earliest - timedelta(days=10), actor=manager, now=now)


@pytest.fixture
def run(sqlite_db, tmp_path, monkeypatch):
    for key, value in sqlite_db.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SETUPFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SETUPFLOW_WORKFLOWS_DIR", os.pathsep.join((str(WORKFLOWS), str(DEFINITIONS))))

    def invoke(*args):
        with CliRunner().isolation() as (out, err, *_):
            code = run_cli(cli, list(args))
            return code, out.getvalue().decode(), err.getvalue().decode()
    return invoke


def test_the_command_line_asks_for_confirm_before_keeping_a_target_too_early(run):
    today = date.today()
    code, out, err = run("site", "create", "--name", "Atelier replanifié", "--workflow", "tiny", "--start",
                         today.isoformat(), "--opening", add_months(today, 30).isoformat(), "--json")
    assert code == 0, err
    site = str(json.loads(out)["id"])
    early = add_months(today, 3)  # tiny takes six months at least
    code, _, err = run("meetings", "replan", site, "--opening", early.isoformat())
    assert code == 2 and "days before the earliest the method allows from where the site stands" in err
    code, out, err = run("meetings", "replan", site, "--opening", early.isoformat(), "--confirm")
    assert code == 0 and f"target opening set to {early.isoformat()}" in out, err


@pytest.fixture
def app(app_with_test_definitions):
    return app_with_test_definitions


def test_the_web_asks_in_a_second_step_before_keeping_a_target_too_early(web_session, catalog, manager, now,
                                                                          logged_in):
    site = ops.create_site(web_session, catalog, name="Atelier Bretagne", workflow_id="tiny", start_on="2027-01-04",
                           opening_on="2029-01-01", actor=manager, now=now, region="Bretagne", disp="DISP Rennes")
    web_session.commit()
    client = logged_in("lead@example.test", "lead", sites=(site,))
    form = {"opening": "2027-05-01", "reason": "Le financement presse"}
    asked = client.post(f"/sites/{site.id}/target-opening", data=form)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 409 and 'name="confirm" value="1"' in page and "2027-05-01" in page
    web_session.expire_all()
    assert web_session.get(Site, site.id).target_opening_on == date(2029, 1, 1)
    assert client.post(f"/sites/{site.id}/target-opening", data={**form, "confirm": "1"}).status_code == 303
    web_session.expire_all()
    assert web_session.get(Site, site.id).target_opening_on == date(2027, 5, 1)
