"""What the definitions share is data beside them (workflows/vocabulary.yaml): the
organisation categories, checked where a definition sends a reminder to one; and the
workflow a new site follows by default is a setting."""
from __future__ import annotations

import shutil

import pytest

from setupflow.config import DEFAULT_WORKFLOW, Settings
from setupflow.definitions import DefinitionError, load_catalog, vocabulary
from setupflow.errors import InputError
from setupflow.team import operations as team
from tests.conftest import WORKFLOWS

CRESS = (WORKFLOWS / "cress-disp.yaml").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def shipped_vocabulary_after():
    yield
    load_catalog([WORKFLOWS])  # the process's vocabulary back to the shipped one


def problems(tmp_path, *, definition=CRESS, words=None) -> list[str]:
    (tmp_path / "cress-disp.yaml").write_text(definition, encoding="utf-8")
    if words is not None:
        (tmp_path / "vocabulary.yaml").write_text(words, encoding="utf-8")
    with pytest.raises(DefinitionError) as exc:
        load_catalog([tmp_path])
    return [str(p) for p in exc.value.problems]


def test_the_shipped_vocabulary_names_every_category_the_definitions_send_reminders_to():
    catalog = load_catalog([WORKFLOWS])
    ids = catalog.vocabulary.category_ids
    assert {"ep", "spip", "disp", "cress", "sponsor", "other"} <= set(ids)
    sent_to = {spec.partition(":")[2] for lw in catalog for rule in lw.workflow.reminders for spec in rule.to
               if spec.startswith("organisation:")}
    assert sent_to and sent_to <= set(ids)
    assert vocabulary.current() == catalog.vocabulary
    assert catalog.vocabulary.category_label("ep", "en") == "Prison establishment"


def test_a_reminder_to_a_misspelt_category_fails_validation_on_its_line(tmp_path):
    typo = CRESS.replace('"organisation:spip"', '"organisation:spiip"', 1)
    line = typo[:typo.index("organisation:spiip")].count("\n") + 1
    found = problems(tmp_path, definition=typo)
    assert len(found) == 1
    assert f"cress-disp.yaml:{line}: reminders[" in found[0]
    assert "unknown organisation category 'spiip'" in found[0]


def test_a_folders_own_vocabulary_is_used_and_checked_with_its_line(tmp_path):
    words = ("organisation_categories:\n"
             "  - id: ep\n    label: {fr: EP, en: EP}\n"
             "  - id: ep\n    label: {fr: Encore, en: Again}\n")
    found = problems(tmp_path, words=words)
    assert len(found) == 1 and "vocabulary.yaml:" in found[0] and "'ep' is used twice" in found[0]
    found = problems(tmp_path, words="organisation_categories:\n  - id: ep\n    label: {fr: EP}\n")
    assert any("vocabulary.yaml:3:" in p and "organisation_categories[0].label.en" in p for p in found)
    # a vocabulary without 'spip' makes the shipped definition's reminders to the SPIP an error
    found = problems(tmp_path, words="organisation_categories:\n"
                                     "  - {id: ep, label: {fr: EP, en: EP}}\n  - {id: cress, label: {fr: C, en: C}}\n"
                                     "  - {id: disp, label: {fr: D, en: D}}\n")
    assert found and all("unknown organisation category 'spip'" in p for p in found)


def test_the_vocabulary_is_not_read_as_a_definition_and_a_folder_without_one_uses_the_shipped_one(tmp_path):
    shutil.copy(WORKFLOWS / "cress-disp.yaml", tmp_path / "cress-disp.yaml")
    catalog = load_catalog([tmp_path])
    assert [lw.workflow.id for lw in catalog] == ["cress-disp"]
    assert catalog.vocabulary == load_catalog([WORKFLOWS]).vocabulary
    shutil.copy(WORKFLOWS / "vocabulary.yaml", tmp_path / "vocabulary.yaml")
    assert [lw.workflow.id for lw in load_catalog([tmp_path])] == ["cress-disp"]


def test_an_organisation_takes_a_category_of_the_vocabulary(session, make_site, manager, now):
    site = make_site()
    org = team.add_organisation(session, site, name="SPIP fictif", category="spip", actor=manager, now=now)
    assert org.category == "spip"
    with pytest.raises(InputError, match="'spiip' is not one of ep, spip"):
        team.add_organisation(session, site, name="SPIP fictif", category="spiip", actor=manager, now=now)
    created = team.organisation_for(session, site, "ddets", manager, now)
    assert (created.category, created.name) == ("ddets", "DDETS")


def test_the_default_workflow_is_a_setting():
    assert Settings.from_env({}).default_workflow == DEFAULT_WORKFLOW == "cress-disp"
    assert Settings.from_env({"SETUPFLOW_DEFAULT_WORKFLOW": "actice"}).default_workflow == "actice"


def test_the_new_site_page_offers_the_default_workflow_of_the_settings(sqlite_db, tmp_path, now):
    import re

    from web_fixtures import PASSWORD, Browser

    from setupflow.accounts import operations as accounts
    from web import create_app

    with sqlite_db.factory() as session:
        accounts.create_user(session, email="cress@example.test", role="cress", password=PASSWORD, now=now,
                             region="Bretagne")
        session.commit()
    for default in ("actice", "cress-disp"):
        app = create_app(sqlite_db.settings(data_dir=tmp_path, secret_key="test-secret-key",
                                            default_workflow=default),
                         test_config={"TESTING": True, "SETUPFLOW_NOW": lambda: now})
        cress = Browser(app.test_client())
        assert cress.login("cress@example.test").status_code == 302
        page = cress.get("/sites/new").get_data(as_text=True)
        assert re.findall(r'<option value="([^"]+)" selected>', page) == [default]
