"""The diagnostic holds its starting hypotheses; crossing the sources confirms or refutes
each one, and the conclusions (page, command line and document) show where each stands.
Engine mechanics, on the study of tests/definitions/work.yaml; the command line on the demo
(the shipped method's data) is marked ``method``."""
import json

import pytest

from setupflow.diagnostic import operations as diag
from setupflow.diagnostic import queries
from setupflow.documents.build import render
from setupflow.errors import NotFound

from tests.refused import refused


@pytest.fixture
def site(make_site):
    return make_site(workflow="work")  # its first stage is the study


def test_a_starting_hypothesis_is_open_until_the_diagnostic_confirms_or_refutes_it(session, site, actor, now):
    first = diag.add_hypothesis(session, site, "Peu de personnes détenues ont une qualification", actor=actor,
                                now=now)
    second = diag.add_hypothesis(session, site, "Les besoins relèvent d'un ACI", actor=actor, now=now)
    session.commit()
    assert [h["status"] for h in queries.hypotheses(session, site)] == ["open", "open"]
    with refused("diagnostic.finding_required", field="finding", status="confirmed"):
        diag.settle_hypothesis(session, site, first.id, "confirmed", actor=actor, now=now)
    with refused("choice.invalid", field="status"):
        diag.settle_hypothesis(session, site, first.id, "probable", finding="x", actor=actor, now=now)
    diag.settle_hypothesis(session, site, first.id, "confirmed", actor=actor, now=now,
                           finding="Greffe et Éducation nationale : 70 % sans diplôme")
    diag.settle_hypothesis(session, site, second.id, "refuted", actor=actor, now=now,
                           finding="Unité sanitaire : une part notable relève d'une EA")
    session.commit()
    assert [(h["status"], h["finding"][:6]) for h in queries.hypotheses(session, site)] == \
        [("confirmed", "Greffe"), ("refuted", "Unité ")]
    diag.settle_hypothesis(session, site, second.id, "open", actor=actor, now=now)
    assert queries.hypotheses(session, site)[1]["status"] == "open"


def test_a_hypothesis_naming_a_detainee_is_refused(session, site, actor, now):
    with refused("privacy.identifying", field="statement"):
        diag.add_hypothesis(session, site, "M. Jean Dupont, écrou 123456, veut travailler", actor=actor, now=now)


def test_another_sites_hypothesis_cannot_be_marked(session, site, make_site, actor, now):
    other = make_site(name="Autre atelier", workflow="work")
    row = diag.add_hypothesis(session, other, "Hypothèse d'un autre site", actor=actor, now=now)
    with refused("diagnostic.hypothesis_not_found", field="hypothesis", error=NotFound):
        diag.settle_hypothesis(session, site, row.id, "refuted", finding="x", actor=actor, now=now)


def test_the_diagnostic_document_shows_each_hypothesis_confirmed_refuted_or_open(session, site, actor, now,
                                                                                  sqlite_db):
    a = diag.add_hypothesis(session, site, "Peu de qualifications", actor=actor, now=now)
    diag.add_hypothesis(session, site, "Forte demande de travail", actor=actor, now=now)
    diag.settle_hypothesis(session, site, a.id, "refuted", finding="Éducation nationale : niveaux variés",
                           actor=actor, now=now)
    diag.write_conclusions(session, site, "Un atelier adapté répond aux besoins relevés.", actor=actor, now=now)
    session.commit()
    html = render(session, sqlite_db.settings(), site, "diagnostic", "html", now).decode()
    assert "Hypothèses de départ" in html and "Un atelier adapté répond aux besoins relevés." in html
    assert "<td>Peu de qualifications</td><td>infirmée</td><td>Éducation nationale : niveaux variés</td>" in html
    assert "<td>Forte demande de travail</td><td>ouverte</td><td>-</td>" in html
    assert render(session, sqlite_db.settings(), site, "diagnostic", "docx", now)[:2] == b"PK"


@pytest.mark.method
def test_the_command_line_records_and_marks_hypotheses(demo_cli):
    run = demo_cli
    site = str(next(s["id"] for s in json.loads(run("site", "list", "--json")[1]) if s["stage"] == "diagnose"))
    code, out, err = run("diagnostic", "hypothesis", site, "Les besoins relèvent d'un ACI")
    assert code == 0, err
    number = out.split()[1]
    code, _, err = run("diagnostic", "settle", site, number, "refuted")
    assert code == 2 and "Say what the diagnostic found" in err
    assert run("diagnostic", "settle", site, number, "refuted", "--finding", "Une EA répond mieux")[0] == 0
    code, out, _ = run("diagnostic", "show", site)
    assert f"{number:>4} refuted   Les besoins relèvent d'un ACI - Une EA répond mieux" in out
    hypotheses = json.loads(run("diagnostic", "show", site, "--json")[1])["hypotheses"]
    assert hypotheses[-1]["status"] == "refuted"
