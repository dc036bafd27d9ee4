"""Categories and ids typed by people are matched whatever their case: `--organisation
SPIP` is the SPIP, `--committee Board` the board, `FANCY` or `fancy` the choice fancy.
Engine mechanics, on tests/definitions/committees.yaml."""
from click.testing import CliRunner

from setupflow.cli import cli
from setupflow.committees import operations as meetings
from setupflow.sites import operations as ops
from setupflow.team import operations as team
from setupflow.team.models import Person


def test_an_organisation_category_in_capitals_is_the_category(session, make_site, manager, now):
    site = make_site(workflow="committees")
    org = team.organisation_for(session, site, "SPIP", manager, now)
    assert org.category == "spip" and team.organisation_for(session, site, "spip", manager, now).id == org.id
    assert team.add_organisation(session, site, name="DDETS 35", category="DDETS", actor=manager,
                                 now=now).category == "ddets"


def test_committees_and_choices_in_any_case(session, make_site, held, manager, now):
    site = make_site(workflow="committees")
    org = team.organisation_for(session, site, "ep", manager, now)
    person = team.add_person(session, site, name="Ana Fictive", email="ana@example.org", organisation=org,
                             actor=manager, now=now, committees=["Board"])
    assert [m.committee_id for m in person.memberships] == ["board"]
    assert meetings.schedule(session, site, "BOARD", "2027-02-02T14:00", manager, now).committee_id == "board"
    site = make_site(name="Autre", workflow="committees")
    ops.record_decision(session, site, key="flavour", value="FANCY", text="Survey (fictional).", actor=manager,
                        now=now, meeting=held(site, "board"))
    assert ops.current_decisions(session, site)["flavour"].value == "fancy"


def test_the_cli_accepts_a_category_and_a_choice_in_capitals(db, make_site, session):
    site = make_site(workflow="committees")
    env = db.env()
    result = CliRunner().invoke(cli, ["people", "add", str(site.id), "--name", "Yann Fictif", "--email",
                                      "yann@example.org", "--organisation", "SPIP", "--language", "FR"], env=env)
    assert result.exit_code == 0, result.output
    session.expire_all()
    person = session.query(Person).filter_by(email="yann@example.org").one()
    assert person.organisation.category == "spip" and person.language == "fr"
