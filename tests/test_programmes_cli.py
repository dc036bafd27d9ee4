"""`setupflow programmes` as programme staff use it: every step from the command line, JSON
where it prints data, one line and exit code 2 on bad input."""
import json

import pytest

from tests.conftest import run_command


@pytest.fixture
def run(db, monkeypatch):
    for key, value in db.env().items():
        monkeypatch.setenv(key, value)

    return run_command


def test_a_prize_edition_from_its_call_to_its_review(run, tmp_path):
    code, out, _ = run("programmes", "open-edition", "prix-2d", "--label", "Édition 2026", "--starts", "2026-01-05",
                       "--json")
    assert code == 0
    edition = json.loads(out)
    assert edition["status"] == "draft" and [s["id"] for s in edition["steps"]] == ["application"]
    eid = str(edition["id"])
    assert run("programmes", "publish", eid, "--on", "2026-01-05")[0] == 0
    code, out, _ = run("programmes", "apply", eid, "--received", "2026-01-20", "--json",
                       "--answer", "project=Torréfaction fictive", "--answer", "organisation=Asso fictive",
                       "--answer", "department=91", "--answer", "purpose=Un métier du café en détention",
                       "--answer", "inside_outside=Former dedans, embaucher dehors")
    assert code == 0, out
    application = json.loads(out)["id"]
    assert run("programmes", "score", eid, str(application), "--member", "Jury fictif",
               "--score", "employment=4")[0] == 0
    code, out, _ = run("programmes", "ranking", eid, "--json")
    assert json.loads(out)[0]["partial"] == ["Jury fictif"]  # a sheet counts once it scores every criterion
    assert run("programmes", "score", eid, str(application), "--member", "Jury fictif",
               "--score", "innovation=0", "--score", "cooperation=0")[0] == 0
    code, out, _ = run("programmes", "ranking", eid, "--json")
    assert json.loads(out)[0]["score"] == "1.71"  # 3 x 4 / 7
    code, out, _ = run("programmes", "meeting", eid, "--kind", "selection", "--at", "2026-03-02T10:00")
    meeting = out.split()[1].rstrip(":")
    assert run("programmes", "held", eid, meeting, "--present", "atigip_chair", "--present", "programme")[0] == 0
    code, out, err = run("programmes", "select", eid, str(application), "--meeting", meeting)
    assert code == 0, err
    laureate = json.loads(run("programmes", "show", eid, "--json")[1])["laureates"][0]["id"]
    assert run("programmes", "report", eid, str(laureate), "--period", "2026-H1", "--value", "people_trained=3",
               "--value", "companies=6")[0] == 0
    code, out, _ = run("programmes", "figures", eid, "--csv")
    assert "Torréfaction fictive,<5" in out and "Entreprises partenaires,total,6" in out
    target = tmp_path / "bilan.html"
    assert run("programmes", "review", eid, "-o", str(target))[0] == 0
    html = target.read_text(encoding="utf-8")
    assert "Torréfaction fictive" in html and "&lt;5" in html


def test_a_bad_period_is_one_line_and_exit_2(run):
    code, out, _ = run("programmes", "open-edition", "actice", "--label", "Promotion 2026", "--starts", "2026-01-05",
                       "--json")
    eid = str(json.loads(out)["id"])
    code, _, err = run("programmes", "apply", eid, "--answer", "project=X")
    assert code == 2 and err.startswith("error: received_on: The step 'interest' of the call is not open yet")
    code, _, err = run("programmes", "open-edition", "actice", "--label", "Promotion 2026", "--starts", "2026-01-05")
    assert code == 2 and "already has an edition named 'Promotion 2026'" in err


def test_the_accompaniment_meetings_from_the_command_line(run, tmp_path):
    code, out, _ = run("programmes", "open-edition", "actice", "--label", "Promotion 2027", "--starts", "2027-01-04",
                       "--json")
    eid = str(json.loads(out)["id"])
    code, out, err = run("programmes", "meeting", eid, "--kind", "collective_day", "--key", "impact",
                         "--at", "2026-05-04T09:30")
    assert code == 0, err
    meeting = out.split()[1].rstrip(":")
    assert run("programmes", "move", eid, meeting, "--at", "2026-05-06T09:30")[0] == 0
    code, out, _ = run("programmes", "meetings", eid, "--json")
    [row] = json.loads(out)
    assert (row["kind"], row["topic"], row["sequence"], row["status"]) == ("collective_day", "impact", 1, "scheduled")
    code, out, _ = run("programmes", "invitation", eid, meeting)
    assert "BEGIN:VEVENT" in out and f"UID:{row['uid']}" in out and "SEQUENCE:1" in out
    notes = tmp_path / "cr.md"
    notes.write_text("# Journée\n\nMesurer l'impact : méthodes partagées.", encoding="utf-8")
    assert run("programmes", "minutes", eid, meeting, "--file", str(notes))[0] == 0
    code, out, err = run("programmes", "minutes", eid, meeting, "--file", str(notes), "--based-on", "0")
    assert code == 2 and "version" in err  # someone saved since: nothing overwritten
    assert run("programmes", "cancel", eid, meeting, "--reason", "Salle indisponible")[0] == 0
    assert run("programmes", "minutes", eid, meeting, "--file", str(notes))[0] == 2  # a cancelled meeting
    code, out, err = run("programmes", "move", eid, "999", "--at", "2026-05-06T09:30")
    assert code != 0 and "999" in err
