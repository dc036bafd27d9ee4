"""The portfolio lists, on request, the sites whose record holds something the rules of
their method would refuse today (what `setupflow site check --all` lists)."""
import dataclasses

from setupflow.definitions import load_text
from setupflow.sites import operations as ops

from tests.conftest import WORKFLOWS
from tests.test_record_check import before_version_3
from web_fixtures import *  # noqa: F401,F403


def test_the_portfolio_filter_lists_the_sites_whose_record_is_inconsistent(site_in, logged_in, web_session, catalog,
                                                                           manager, now):
    old = dataclasses.replace(catalog, loaded={**catalog.loaded, "cress-disp": load_text(
        before_version_3((WORKFLOWS / "cress-disp.yaml").read_text()), "workflows/cress-disp.yaml")})
    legacy = ops.create_site(web_session, old, name="Atelier d'avant la règle", workflow_id="cress-disp",
                             start_on="2026-01-05", opening_on="2028-01-03", region="Bretagne", actor=manager, now=now)
    ops.record_decision(web_session, legacy, key="sponsor", value="Structure X", text=None, actor=manager, now=now)
    ops.upgrade_sites(web_session, catalog, manager, now)
    web_session.commit()
    site_in(region="Bretagne", name="Atelier en règle")
    client = logged_in("cress@example.test", "cress", region="Bretagne")
    every = client.get("/portfolio").get_data(as_text=True)
    assert "Atelier en règle" in every and "avant la règle" in every
    page = client.get("/portfolio?record=inconsistent").get_data(as_text=True)
    assert "Atelier en règle" not in page and "avant la règle" in page
    assert "Registre\u00a0: 3 incohérences avec sa méthode, dont 3 enregistrées avant la règle" in page
    assert '<option value="inconsistent" selected>' in page
