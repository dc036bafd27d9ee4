"""The command line, as a person uses it: one clear line and exit code 2 on bad input."""
import json

import pytest

from tests.conftest import run_command


@pytest.fixture
def run(db, monkeypatch):
    for key, value in db.env().items():
        monkeypatch.setenv(key, value)

    return run_command


def test_plan_backward_from_opening_as_json(run):
    code, out, _ = run("plan", "--workflow", "cress-disp", "--opening", "2029-01-01", "--json")
    assert code == 0
    data = json.loads(out)
    support = data["stages"][-1]
    assert support["id"] == "support"
    assert support["start"] == {"earliest": "2028-05-01", "latest": "2028-07-01"}
    assert data["stages"][0]["start"] == {"earliest": "2026-05-01", "latest": "2027-07-01"}
    dui = next(d for d in data["deadlines"] if d["id"] == "dui_signature")
    assert (dui["earliest"], dui["latest"]) == ("2028-11-01", "2028-12-01")


def test_a_bad_date_is_one_line_and_exit_2(run):
    code, out, err = run("plan", "--workflow", "cress-disp", "--opening", "2029-13-01")
    assert code == 2 and err.strip() == "error: --opening: '2029-13-01' is not a date (expected YYYY-MM-DD)."


def test_a_site_through_the_cli_refuses_then_advances_early_only_once_confirmed(run):
    code, out, _ = run("site", "create", "--name", "Atelier test", "--workflow", "cress-disp",
                       "--start", "2027-01-04", "--opening", "2029-01-01", "--json")
    assert code == 0
    site_id = str(json.loads(out)["id"])
    code, _, err = run("site", "advance", site_id)
    assert code == 2 and "Secure the directorates' agreement" in err and err.count("\n") == 1
    for key in ("directorates_buy_in", "target_establishment", "share_roles"):
        assert run("site", "task", site_id, key, "--done")[0] == 0
    code, _, err = run("site", "advance", site_id)  # the same day: before the stage's three-month minimum
    assert code == 2 and "confirm:" in err and "confirm to move on early" in err
    assert run("site", "advance", site_id, "--confirm")[0] == 0
    code, out, _ = run("site", "history", site_id, "--json")
    assert "early" in json.loads(out)[-1]["detail"]
    code, out, _ = run("site", "show", site_id, "--json")
    data = json.loads(out)
    assert data["stage"] == "cooperate" and data["workflow"] == "cress-disp"
    assert data["gate"]["met"] is False
    assert {"kind", "key", "met", "label"} <= set(data["gate"]["conditions"][0])


def test_an_unknown_decision_value_is_refused(run):
    _, out, _ = run("site", "create", "--name", "X", "--workflow", "cress-disp", "--start", "2027-01-04",
                    "--opening", "2029-01-01", "--json")
    code, _, err = run("site", "decide", str(json.loads(out)["id"]), "structure_type", "SCOP")
    assert code == 2 and "not one of" in err


def test_an_unknown_site_is_exit_2(run):
    code, _, err = run("site", "show", "999")
    assert code == 2 and err.strip() == "error: site: No site 999."


def test_validate_reports_a_malformed_file_and_touches_nothing(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nversion: 0\n", encoding="utf-8")
    code, _, err = run("workflows", "validate", str(bad))
    assert code == 2
    assert "bad.yaml:2: version: Input should be greater than or equal to 1" in err
    assert "Traceback" not in err
    assert run("workflows", "validate")[0] == 0


def test_a_target_opening_before_the_earliest_possible_asks_for_confirmation_and_says_by_how_much(run):
    args = ("site", "create", "--name", "Atelier pressé", "--workflow", "cress-disp", "--start", "2026-12-07",
            "--opening", "2027-03-01", "--json")
    code, _, err = run(*args)
    assert code == 2 and "opening: The target opening 2027-03-01 comes 464 days before the earliest" in err
    code, out, _ = run(*args, "--confirm")
    assert code == 0
    code, out, _ = run("site", "history", str(json.loads(out)["id"]), "--json")
    assert json.loads(out)[0]["detail"]["target_before_earliest"] == {"earliest": "2028-06-07", "days": 464}
