"""The forecast budget: exact amounts, totals and the history of every change. Engine
mechanics, on tests/definitions/committees.yaml (its build stage asks for a budget)."""
import pytest

from setupflow.budget import operations as budget
from setupflow.budget import queries
from setupflow.errors import InputError, StaleEdit
from setupflow.sites import operations as ops
from tests.refused import refused


@pytest.fixture
def session(sqlite_db):
    with sqlite_db.factory() as s:
        yield s


@pytest.fixture
def site(make_site, walk):
    return walk(make_site(workflow="committees"), "build")


@pytest.mark.parametrize("text, cents", [("1 234,56", 123456), ("1234.56", 123456), ("45000", 4500000),
                                         ("0,10", 10), ("12 000 €", 1200000)])
def test_amounts_are_read_exactly_into_cents(text, cents):
    assert budget.parse_amount(text) == cents


@pytest.mark.parametrize("text, code", [("12,345", "amount.too_precise"), ("-5", "amount.negative"),
                                        ("douze", "amount.invalid"), ("NaN", "amount.invalid"),
                                        ("Infinity", "amount.invalid"), ("1_000", "amount.invalid"),
                                        ("١٢٣", "amount.invalid"), ("1e3", "amount.invalid")])
def test_bad_amounts_are_refused(text, code):
    with pytest.raises(InputError) as refused:
        budget.parse_amount(text, "planned")
    assert (refused.value.code, refused.value.field) == (code, "planned")


def test_the_forecast_budget_task_is_met_by_an_expense_and_an_income_line(session, site, actor, now):
    budget.add_line(session, site, kind="expense", category="staff", label="Encadrant", planned="30 000",
                    actor=actor, now=now)
    assert not {c.key: c.met for c in ops.gate_of(session, site).conditions}["budget_set"]
    budget.add_line(session, site, kind="income", category="grants", label="Aide au démarrage", funder="ATIGIP",
                    planned="20 000", actor=actor, now=now)
    assert {c.key: c.met for c in ops.gate_of(session, site).conditions}["budget_set"]


def test_totals_separate_what_is_requested_granted_and_refused(session, site, actor, now):
    budget.add_line(session, site, kind="expense", category="staff", label="Encadrant", planned="30 000,50",
                    actor=actor, now=now)
    budget.add_line(session, site, kind="income", category="grants", label="Aide", funder="ATIGIP",
                    planned="20 000", status="granted", actor=actor, now=now)
    budget.add_line(session, site, kind="income", category="grants", label="Région", funder="Région",
                    planned="8 000", actor=actor, now=now)
    budget.add_line(session, site, kind="income", category="grants", label="Fondation", funder="Fondation X",
                    planned="5 000", status="refused", actor=actor, now=now)
    t = queries.describe(session, site)["totals"]
    assert (t["expense_planned"], t["income_planned"], t["income_granted"], t["income_requested"]) == \
        ("30000.50", "28000.00", "20000.00", "8000.00")
    assert t["balance_planned"] == "-2000.50"


def test_every_change_keeps_who_when_and_what(session, site, actor, manager, now):
    line = budget.add_line(session, site, kind="income", category="grants", label="Aide", funder="ATIGIP",
                           planned="20 000", actor=actor, now=now)
    budget.change_line(session, site, line, status="granted", actual="19 500", actor=manager, now=now)
    history = queries.history(session, line)
    assert history[1]["actor"] == manager.name
    assert history[1]["changes"] == {"status": ["requested", "granted"], "actual_cents": [None, 1950000]}
    with pytest.raises(StaleEdit):
        budget.change_line(session, site, line, label="x", expected_version=1, actor=actor, now=now)


def test_an_income_line_needs_a_funder_and_a_valid_status(session, site, actor, now):
    with refused("budget.funder_required", field="funder"):
        budget.add_line(session, site, kind="income", category="grants", label="Aide", planned="1", actor=actor,
                        now=now)
    with refused("budget.status_invalid", field="status", allowed=["planned"]):
        budget.add_line(session, site, kind="expense", category="staff", label="X", planned="1", status="granted",
                        actor=actor, now=now)
