"""One CSV writer for every export, web and CLI: formulas neutralised everywhere; a form for
people (semicolon, BOM, French dates, local times, decimal comma) and one for programs
(comma, ISO, UTC). On main, ``setupflow diagnostic export`` printed formula cells as they
were typed."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from setupflow.csvfile import MACHINE, PEOPLE, write_csv
from web_fixtures import *  # noqa: F401,F403

from reliability import counters

FORMULAS = ["-2+3+cmd|' /C calc'!A0", "@SUM(1)", "=HYPERLINK(\"http://evil\")", "+33 6", "\tx", "\rx"]


def test_every_formula_start_is_neutralised_in_both_forms():
    for form in (PEOPLE, MACHINE):
        text = write_csv(["header"], [[f] for f in FORMULAS], form).decode("utf-8-sig")
        cells = [row[0] for row in csv.reader(io.StringIO(text), delimiter=form.delimiter)][1:]
        assert cells == ["'" + f for f in FORMULAS]


def test_people_read_french_dates_local_times_and_decimal_commas_programs_read_iso_and_utc():
    row = [date(2027, 1, 12), datetime(2027, 1, 12, 13, 0, tzinfo=timezone.utc), Decimal("32000.50"), -10500]
    people = write_csv(["jour", "réunion", "montant", "écart"], [row], PEOPLE)
    assert people.startswith("\ufeff".encode())
    assert people.decode("utf-8-sig").splitlines()[1] == "12/01/2027;12/01/2027 14:00;32000,50;-10500"
    machine = write_csv(["day", "meeting", "amount", "gap"], [row], MACHINE)
    assert not machine.startswith("\ufeff".encode())
    assert machine.decode().splitlines()[1] == "2027-01-12,2027-01-12T13:00:00Z,32000.50,-10500"


@pytest.fixture
def run(demo_cli):
    """The command line on a copy of the demo database (built once per test worker)."""
    return demo_cli


def test_the_cli_diagnostic_export_neutralises_formulas_in_both_forms(run):
    _, out, _ = run("site", "list", "--json")
    site = str(next(s["id"] for s in json.loads(out) if s["stage"] == "diagnose"))
    code, _, err = run("diagnostic", "indicator", site, "custom_dimension", "--label", FORMULAS[0],
                       "--count", "@SUM(1)=12", "--count", "-1+1=30")
    assert code == 0, err
    code, out, _ = run("diagnostic", "export", site, "--lang", "en")
    assert code == 0 and not out.startswith("\ufeff")
    rows = [r for r in csv.reader(io.StringIO(out)) if r and r[0].endswith("A0")]
    assert rows and all(r[0] == "'" + FORMULAS[0] for r in rows)
    assert {r[1] for r in rows} >= {"'@SUM(1)", "'-1+1"}
    code, out, _ = run("diagnostic", "export", site, "--lang", "en", "--form", "people")
    assert code == 0 and out.startswith("\ufeff")
    rows = [r for r in csv.reader(io.StringIO(out.lstrip("\ufeff")), delimiter=";") if r and r[0].endswith("A0")]
    assert rows and all(r[0] == "'" + FORMULAS[0] for r in rows)
    counters.add("CLI CSV cells neutralised", 2 * len(rows) * 2)


def test_the_web_export_offers_both_forms_people_by_default(site_in, logged_in):
    site_in(name=FORMULAS[1], opening="2029-01-01")
    admin = logged_in("admin@example.test", "admin")
    page = admin.get("/portfolio").get_data(as_text=True)
    assert "form=machine" in page and "form=people" in page
    people = admin.get("/portfolio.csv")
    assert people.headers["Content-Type"].startswith("text/csv") and people.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(people.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[1][0] == "'" + FORMULAS[1] and rows[1][6] == "01/01/2029"
    machine = admin.get("/portfolio.csv?form=machine")
    rows = list(csv.reader(io.StringIO(machine.get_data(as_text=True))))
    assert rows[1][0] == "'" + FORMULAS[1] and rows[1][6] == "2029-01-01"
    assert "portfolio-machine.csv" in machine.headers["Content-Disposition"]
