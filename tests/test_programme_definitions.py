"""A programme is data: Act'ice, Entreprendre sa Liberté and the 2D prize are definitions in
workflows/programmes/, validated like the site workflows, one file:line per problem."""
from pathlib import Path

import pytest
from click.testing import CliRunner

from setupflow.cli import cli
from setupflow.cli.common import run_cli
from setupflow.definitions.loader import DefinitionError
from setupflow.definitions.programmes import load_programme_text, load_programmes

REPO = Path(__file__).resolve().parent.parent
ACTICE = (REPO / "workflows" / "programmes" / "actice.yaml").read_text(encoding="utf-8")


def test_the_three_programmes_ship_and_are_shaped_as_their_documents_describe():
    catalog = load_programmes([REPO / "workflows"])
    assert [p.id for p in catalog] == ["actice", "entreprendre-sa-liberte", "prix-2d"]
    actice = catalog.get("actice")
    assert [s.id for s in actice.call.steps] == ["interest", "full_file"]
    assert len(actice.accompaniment.collective_days) == 8 and actice.accompaniment.months == 9
    assert actice.accompaniment.follow_up.every_months == 1
    assert sum(1 for s in actice.committee.seats if s.chairs) == 1
    assert any(e.kind == "closing" for e in actice.accompaniment.events)
    esl = catalog.get("entreprendre-sa-liberte")
    assert esl.editions.cadence == "multi_year" and esl.editions.years == 3
    assert esl.laureates.organisations == 3 and esl.laureates.has_path
    prize = catalog.get("prix-2d")
    assert prize.laureates.has_parrains and len(prize.call.steps) == 1
    # a count about people under justice is marked so, and suppressed below five
    assert esl.indicator("people_reached").about_people and not esl.indicator("workshops").about_people
    assert {p.suppress_below for p in catalog} == {5}


def test_a_definition_is_frozen():
    programme = load_programmes([REPO / "workflows"]).get("actice")
    with pytest.raises(Exception):
        programme.accompaniment.months = 12


@pytest.mark.parametrize("change, expected", [
    ("    - {id: scaling, month: 8,", "actice.yaml:{line}: accompaniment.collective_days[7].month: 'scaling' falls in month 18"),
    ("quorum: 4", "actice.yaml:{line}: committee.quorum: 9 is more than the 7 seats"),
])
def test_a_calendar_or_a_committee_that_does_not_fit_is_one_line_naming_file_and_line(change, expected):
    if change.startswith("    - {id: scaling"):
        text = ACTICE.replace("    - {id: scaling, month: 8,", "    - {id: scaling, month: 18,")
        line = next(i for i, l in enumerate(text.splitlines(), 1) if "{id: scaling" in l)
    else:
        text = ACTICE.replace("quorum: 4", "quorum: 9")
        line = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith("  quorum:"))
    with pytest.raises(DefinitionError) as caught:
        load_programme_text(text, "actice.yaml")
    assert any(str(p).startswith(expected.format(line=line)) for p in caught.value.problems), caught.value


def test_a_review_naming_an_unknown_indicator_points_at_its_line():
    text = ACTICE.replace("    kind: figures\n", "    kind: figures\n    indicators: [people_accompanied, jobs]\n", 1)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "indicators: [people_accompanied, jobs]" in l)
    with pytest.raises(DefinitionError) as caught:
        load_programme_text(text, "actice.yaml")
    assert [str(p) for p in caught.value.problems] == [
        f"actice.yaml:{line}: review[0].indicators[1]: unknown indicator 'jobs' (known: establishments, "
        "people_accompanied, people_into_work, volunteers)"]


def test_a_full_file_carries_over_only_fields_of_an_earlier_step():
    text = ACTICE.replace("carry_over: [project, organisation, department, purpose]",
                          "carry_over: [project, economic_model]")
    with pytest.raises(DefinitionError) as caught:
        load_programme_text(text, "actice.yaml")
    assert "call.steps[1].carry_over[1]: 'economic_model' is not a field of an earlier step" in str(caught.value)


def test_validate_covers_the_programmes_and_names_the_broken_line(tmp_path, monkeypatch):
    folder = tmp_path / "programmes"
    folder.mkdir()
    (folder / "broken.yaml").write_text(ACTICE.replace("every_months: 1", "every_months: 0"), encoding="utf-8")
    runner = CliRunner()
    with runner.isolation() as (out, err, *_):
        code = run_cli(cli, ["workflows", "validate", str(REPO / "workflows")])
        assert code == 0
        assert "programme entreprendre-sa-liberte v1" in out.getvalue().decode()
    with runner.isolation() as (out, err, *_):
        code = run_cli(cli, ["workflows", "validate", str(folder / "broken.yaml")])
        text = err.getvalue().decode()
    line = next(i for i, l in enumerate(ACTICE.splitlines(), 1) if "every_months: 1" in l)
    assert code == 2
    assert f"broken.yaml:{line}: accompaniment.follow_up.every_months: Input should be greater than or equal to 1" \
        in text
