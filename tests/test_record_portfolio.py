"""The portfolio lists, on request, the sites whose record holds something the rules of
their method would refuse today (what `setupflow site check --all` lists). On
tests/definitions/records.yaml: a partner typed in under version 1, the site then moved to
version 3, where the partner is the board's selection, taken in its meeting, in the choose
stage."""
import pytest

from setupflow.sites import operations as ops

from tests.test_record_check import RECORDS, before_version_3, catalog_with
from web_fixtures import *  # noqa: F401,F403


@pytest.fixture
def app(app_with_test_definitions):
    return app_with_test_definitions


def test_the_portfolio_filter_lists_the_sites_whose_record_is_inconsistent(logged_in, web_session, catalog,
                                                                           manager, now):
    legacy = ops.create_site(web_session, catalog_with(catalog, before_version_3(RECORDS)),
                             name="Atelier d'avant la règle", workflow_id="records", start_on="2026-01-05",
                             opening_on="2028-01-03", region="Bretagne", actor=manager, now=now)
    ops.record_decision(web_session, legacy, key="partner", value="Structure X", text=None, actor=manager, now=now)
    ops.upgrade_sites(web_session, catalog, manager, now)
    ops.create_site(web_session, catalog, name="Atelier en règle", workflow_id="records", start_on="2026-01-05",
                    opening_on="2028-01-03", region="Bretagne", actor=manager, now=now)
    web_session.commit()
    client = logged_in("cress@example.test", "cress", region="Bretagne")
    every = client.get("/portfolio").get_data(as_text=True)
    assert "Atelier en règle" in every and "avant la règle" in every
    page = client.get("/portfolio?record=inconsistent").get_data(as_text=True)
    assert "Atelier en règle" not in page and "avant la règle" in page
    assert "Registre\u00a0: 3 incohérences avec sa méthode, dont 3 enregistrées avant la règle" in page
    assert '<option value="inconsistent" selected>' in page
