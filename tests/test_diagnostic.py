"""The diagnostic keeps aggregates and themes, never a detainee's identity. Engine mechanics,
on the study of tests/definitions/work.yaml (sources registry, survey and health unit;
dimensions age, schooling and needs)."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from setupflow.diagnostic import operations as diag
from setupflow.diagnostic import queries
from setupflow.privacy import suppressed_cells
from setupflow.sites import operations as ops
from tests.refused import refused


@pytest.fixture
def session(sqlite_db):
    with sqlite_db.factory() as s:
        yield s


@pytest.fixture
def site(make_site):
    return make_site(workflow="work")  # its first stage is the study


def test_the_checklist_lists_every_source_of_the_definition_to_request(session, site):
    listed = queries.sources(session, site, "en")
    assert [s["key"] for s in listed] == ["registry", "survey", "health_unit"]
    assert [s["label"] for s in listed] == ["Registry", "Survey", "Health unit"]
    assert {s["status"] for s in listed} == {"to_request"}


def test_an_obtained_source_records_when_and_who_provided_it(session, site, actor, now):
    diag.set_source(session, site, "registry", status="obtained", obtained_on="2027-01-02",
                    provider="Greffe de l'établissement", actor=actor, now=now)
    registry = queries.sources(session, site)[0]
    assert (registry["status"], registry["obtained_on"], registry["provider"]) == \
        ("obtained", "2027-01-02", "Greffe de l'établissement")
    with refused("diagnostic.obtained_on_required", field="obtained_on"):
        diag.set_source(session, site, "health_unit", status="obtained", actor=actor, now=now)


def test_storing_a_detainees_name_in_the_diagnostic_is_refused(session, site, actor, now):
    with refused("privacy.identifying", field="themes[1]", label="themes", problem="privacy.kind.name_surname"):
        diag.log_interview(session, site, held_on="2027-01-03", audience="detainees", format="individual",
                           participants=1, themes=["logement", "situation de Karim BENALI"], actor=actor, now=now)
    with refused("privacy.identifying", field="summary", problem="privacy.kind.name_title"):
        diag.log_interview(session, site, held_on="2027-01-03", audience="detainees", format="group",
                           participants=5, themes=["logement"], summary="M. Leroy a parlé", actor=actor, now=now)
    assert queries.interviews(session, site) == []


@pytest.mark.parametrize("label, problem", [
    ("écrou 2034567", "register_number"),
    ("AB12345", "register_number"),
    ("né le 14/02/1990", "full_date"),
    ("3 mars 1988", "full_date"),
    ("contact: someone@example.org", "email"),
    ("joindre au 06 12 34 56 78", "phone"),
    ("nom : Benali", "name_field"),
])
def test_category_labels_that_look_like_an_individual_record_are_refused(session, site, actor, now, label, problem):
    with refused("privacy.identifying", field="category", dimension="age", problem=f"privacy.kind.{problem}"):
        diag.set_indicator(session, site, "age", {label: 7}, actor=actor, now=now)


def test_ordinary_category_labels_and_acronyms_are_accepted(session, site, actor, now):
    diag.set_indicator(session, site, "schooling", {"Sans diplôme": 20, "CAP ou BEP": 12, "Niveau BAC": 9},
                       actor=actor, now=now)
    diag.add_initiative(session, site, name="Mission Locale de l'Erdre", kind="outside", actor=actor, now=now)


def test_a_count_of_3_is_displayed_and_exported_as_under_5(session, site, actor, now):
    diag.set_indicator(session, site, "age", {"young": 31, "middle": 58, "mature": 22, "older": 3}, actor=actor,
                       now=now)
    [table] = queries.indicators(session, site)
    shown = {c["category"]: c["count"] for c in table["cells"]}
    assert shown["older"] == "<5"
    assert "3" not in shown.values()
    csv = queries.export_indicators_csv(session, site, "en").decode("utf-8")
    assert "55 and over,<5" in csv
    assert ",3\r\n" not in csv


def test_a_single_small_count_cannot_be_recovered_from_the_total(session, site, actor, now):
    diag.set_indicator(session, site, "age", {"young": 31, "middle": 58, "mature": 22, "older": 3}, actor=actor,
                       now=now)
    [table] = queries.indicators(session, site)
    shown = {c["category"]: c["count"] for c in table["cells"]}
    # the next smallest cell is hidden too: total - visible cells gives 25, not 3
    assert shown["mature"] == "*"
    assert table["total"] == "114"
    assert suppressed_cells({"a": 10, "b": 0, "c": 2, "d": 1}, 5) == {"c", "d"}
    assert suppressed_cells({"a": 10, "b": 20}, 5) == set()


def test_a_total_under_5_is_suppressed_too(session, site, actor, now):
    diag.set_indicator(session, site, "needs", {"none_reported": 0, "disability": 2}, actor=actor, now=now)
    [table] = queries.indicators(session, site)
    assert table["total"] == "<5"


def test_interviews_keep_themes_and_counts_never_names(session, site, actor, now):
    diag.log_interview(session, site, held_on="2027-01-03", audience="professionals", format="group",
                       participants=6, themes=["mobilité", "formation"], actor=actor, now=now)
    diag.log_interview(session, site, held_on="2027-01-04", audience="detainees", format="individual",
                       participants=1, themes=["formation"], actor=actor, now=now)
    assert queries.theme_counts(session, site) == {"formation": 2, "mobilité": 1}
    with refused("diagnostic.individual_one_participant", field="participants"):
        diag.log_interview(session, site, held_on="2027-01-04", audience="detainees", format="individual",
                           participants=3, themes=["x"], actor=actor, now=now)


def test_the_structure_choice_is_recorded_as_the_decision_with_its_rationale(session, site, held, actor, now):
    decision = diag.choose_structure(session, site, "large", "Une part importante relève d'une orientation MDPH.",
                                     actor=actor, now=now, meeting=held(site, "board"))
    assert ops.current_decisions(session, site)["form"].value == "large"
    assert "MDPH" in decision.text
    with refused("diagnostic.rationale_required", field="rationale"):
        diag.choose_structure(session, site, "small", " ", actor=actor, now=now, supersede_reason="x")


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 60), max_size=8))
def test_no_hidden_count_stands_alone_next_to_a_shown_total(counts):
    hidden = suppressed_cells(counts, 5)
    assert {k for k, n in counts.items() if 0 < n < 5} <= hidden
    nonzero = {k for k, n in counts.items() if n > 0}
    # one hidden cell alone could be recovered as total - shown cells, unless it is the
    # only non-zero cell, in which case the total is itself under 5 and hidden
    assert len(hidden) != 1 or nonzero == hidden
