"""Conflicts of interest from the command line: the same rule and the same refusal as the
reviewer's page."""
import json

import pytest



@pytest.fixture
def run(demo_cli):
    return demo_cli


def test_a_member_who_declared_a_conflict_cannot_score_from_the_command_line(run, tmp_path):
    _, out, _ = run("site", "list", "--json")
    site = str(next(s["id"] for s in json.loads(out) if s["stage"] == "call"))
    assert run("calls", "create", site)[0] == 0
    body = tmp_path / "body.txt"
    body.write_text("Nous cherchons une structure porteuse.", encoding="utf-8")
    assert run("calls", "edit", site, "--body-file", str(body), "--needs", "Formation")[0] == 0
    assert run("calls", "publish", site, "--on", "2026-11-02", "--closes", "2027-01-15")[0] == 0
    code, out, _ = run("calls", "apply", site, "--organisation", "Coop Demain (fictive)", "--legal-status", "SCIC",
                       "--activity", "Menuiserie", "--received-on", "2026-11-10", "--json")
    application = str(json.loads(out)["id"])
    code, out, err = run("calls", "conflict", site, application, "--member", "Maëlle Kerbrat", "--reason", "salariée")
    assert code == 0, err
    code, _, err = run("calls", "score", site, application, "--member", "Maëlle Kerbrat", "--score", "legal_status=4")
    assert code == 2
    assert err.strip() == ("error: member: Maëlle Kerbrat declared a conflict of interest on this application and "
                           "cannot score it.")
    assert run("calls", "score", site, application, "--member", "Yann Le Goff", "--score", "legal_status=4")[0] == 0
