"""The stage-work commands as a person uses them, on the demo database."""
import json
import re

import pytest



@pytest.fixture
def run(demo_cli):
    """The command line on a copy of the demo database (built once per test worker)."""
    return demo_cli


def site_in(run, stage):
    _, out, _ = run("site", "list", "--json")
    return str(next(s["id"] for s in json.loads(out) if s["stage"] == stage))


def test_a_small_count_is_exported_as_under_5_from_the_command_line(run):
    site = site_in(run, "diagnose")
    code, _, err = run("diagnostic", "indicator", site, "sentence_length", "--count", "under_1_year=3",
                       "--count", "from_1_to_5_years=40", "--count", "over_5_years=20")
    assert code == 0, err
    code, out, _ = run("diagnostic", "export", site, "--lang", "en")
    assert "Sentence length,Under one year,<5" in out
    assert "Sentence length,Over 5 years,*" in out
    code, out, _ = run("diagnostic", "show", site, "--json")
    [table] = json.loads(out)["indicators"]
    assert [c["count"] for c in table["cells"]] == ["<5", "40", "*"]


def test_a_name_in_an_interview_theme_is_one_line_and_exit_2(run):
    site = site_in(run, "diagnose")
    code, _, err = run("diagnostic", "interview", site, "--on", "2026-11-02", "--audience", "detainees",
                       "--format", "group", "--participants", "4", "--theme", "parcours de Jean DUPONT")
    assert code == 2
    assert err.strip().startswith("error: themes[0]: looks like a person's name")


def test_a_call_from_draft_to_ranking(run, tmp_path):
    site = site_in(run, "call")
    assert run("calls", "create", site)[0] == 0
    body = tmp_path / "body.txt"
    body.write_text("Nous cherchons une structure porteuse.", encoding="utf-8")
    code, _, err = run("calls", "edit", site, "--body-file", str(body), "--capacity", "12", "--needs", "Formation")
    assert code == 0, err
    code, _, err = run("calls", "publish", site, "--on", "2026-11-02", "--closes", "2026-12-01")
    assert code == 0 and "warning: closes_on: Candidates get 29 days" in err
    code, out, _ = run("calls", "apply", site, "--organisation", "Atelier Fil Rouge", "--legal-status",
                       "association", "--activity", "Couture", "--received-on", "2026-11-10", "--json")
    application = str(json.loads(out)["id"])
    fake = tmp_path / "offre.pdf"
    fake.write_text("<html><body>not a pdf</body></html>")
    code, _, err = run("calls", "attach", site, application, str(fake))
    assert code == 2 and "is not of an accepted type" in err
    # a score sheet is by a member of the committee that selects, a person of the team file
    code, _, err = run("calls", "score", site, application, "--member", "m1", "--score", "social_utility=5")
    assert code == 2 and "'m1' is not a person of the team file who sits on the committee that selects" in err
    code, out, err = run("people", "add", site, "--name", "Camille Jury", "--email", "camille.jury@example.org",
                         "--organisation", "cress", "--committee", "technical", "--json")
    assert code == 0, err
    member = str(json.loads(out)["id"])
    code, out, _ = run("calls", "score", site, application, "--member", member, "--score", "social_utility=5")
    assert code == 0 and "1 scores recorded for Camille Jury" in out
    code, out, _ = run("calls", "ranking", site, "--json")
    assert json.loads(out)[0]["averages"] == {} and json.loads(out)[0]["partial"] == ["Camille Jury"]  # not yet
    code, out, _ = run("calls", "ranking", site)
    assert "partial sheets not counted: Camille Jury" in out
    assert run("calls", "score", site, application, "--member", "Camille Jury", "--score", "legal_status=4",
               "--score", "activity_type=3", "--score", "support_quality=2")[0] == 0
    code, out, _ = run("calls", "ranking", site, "--json")
    assert json.loads(out)[0]["averages"]["social_utility"] == "5.00" and json.loads(out)[0]["partial"] == []


def test_a_dui_signature_out_of_the_usual_order_is_recorded_and_the_command_line_says_what_is_outside_its_window(
        run):
    site = site_in(run, "support")
    code, out, err = run("dui", "sign", site, "disp_director", "--on", "2026-11-01", "--by", "X")
    assert code == 0, err
    code, out, _ = run("dui", "show", site, "--json")
    status = json.loads(out)
    assert status["next"] == status["waiting"][0] and "disp_director" not in status["waiting"]
    code, out, _ = run("dui", "show", site)
    assert "disp_director]: signed 2026-11-01 by X  ** outside the planned window **" in out


def test_budget_lines_and_their_history(run):
    site = site_in(run, "cooperate")
    code, out, _ = run("budget", "add", site, "--kind", "income", "--category", "grants", "--label", "Région",
                       "--funder", "Région", "--planned", "8 000,00", "--json")
    line = str(json.loads(out)["id"])
    assert run("budget", "change", site, line, "--status", "granted", "--as", "Léa (fictive)")[0] == 0
    code, out, _ = run("budget", "history", site, line, "--json")
    assert json.loads(out)[-1] == {**json.loads(out)[-1], "actor": "Léa (fictive)",
                                   "changes": {"status": ["requested", "granted"]}}
    code, _, err = run("budget", "add", site, "--kind", "expense", "--category", "staff", "--label", "X",
                       "--planned", "12.345")
    assert code == 2 and err.strip() == "error: --planned: 12.345 has more than 2 decimals."


def test_the_call_document_carries_the_diagnostics_needs_and_the_weighted_criteria(run, tmp_path):
    import io
    import subprocess

    from docx import Document

    site = site_in(run, "call")
    code, _, err = run("diagnostic", "conclusions", site, "--text", "Remobiliser par le travail les moins de 25 ans")
    assert code == 0, err
    assert run("calls", "create", site)[0] == 0  # the needs come from the diagnostic's conclusions
    for fmt in ("pdf", "docx"):
        target = tmp_path / f"call.{fmt}"
        code, out, err = run("documents", "render", site, "call", "--format", fmt, "-o", str(target))
        assert code == 0, err
        if fmt == "pdf":
            text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True,
                                  check=True).stdout
        else:
            doc = Document(io.BytesIO(target.read_bytes()))
            text = "\n".join([p.text for p in doc.paragraphs] +
                             [" ".join(c.text for c in row.cells) for t in doc.tables for row in t.rows])
        assert "Remobiliser par le travail les moins de 25 ans" in text, fmt
        assert "Critères de sélection" in text, fmt
        assert re.search(r"Statut juridique\s+\d+\s+\d+", text), fmt
