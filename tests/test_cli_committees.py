"""The people, meetings, decisions and documents commands, as a person uses them."""
import json

import icalendar
import pytest

from tests.conftest import run_command


@pytest.fixture
def run(sqlite_db, monkeypatch):
    for key, value in sqlite_db.env().items():
        monkeypatch.setenv(key, value)

    return run_command


@pytest.fixture
def site_id(run):
    code, out, _ = run("site", "create", "--name", "Atelier CLI", "--workflow", "cress-disp", "--start",
                       "2030-01-07", "--opening", "2032-01-05", "--department", "57", "--json")
    assert code == 0
    return json.loads(out)["id"]


def test_people_are_added_and_one_leaves_for_a_successor(run, site_id):
    code, out, _ = run("people", "add", site_id, "--name", "Lou Fictif", "--email", "lou@example.org",
                       "--organisation", "spip", "--committee", "technical", "--json")
    assert code == 0 and json.loads(out)["committees"] == ["technical"]
    lou = json.loads(out)["id"]
    code, out, _ = run("people", "add", site_id, "--name", "Sam Fictif", "--email", "sam@example.org",
                       "--organisation", "Association Fictive", "--category", "sponsor", "--json")
    sam = json.loads(out)["id"]
    code, out, _ = run("people", "leave", lou, "--successor", sam, "--json")
    assert code == 0 and json.loads(out)["committees"] == ["technical"]
    code, _, err = run("people", "add", site_id, "--name", "X", "--email", "x@example.org\nBcc: y@example.org",
                       "--organisation", "spip")
    assert code == 2 and err.startswith("error: --email:") and err.count("\n") == 1


def test_meetings_are_proposed_confirmed_moved_cancelled_and_minted(run, site_id, tmp_path):
    code, out, _ = run("meetings", "propose", site_id, "--json")
    assert code == 0
    proposals = json.loads(out)
    assert proposals and {p["committee"] for p in proposals} == {"technical", "partnership"}
    assert all({"committee", "date", "id"} <= set(p) and p["status"] == "proposed" for p in proposals)
    code, out, _ = run("meetings", "propose", site_id, "--confirm", "--json")
    assert {p["status"] for p in json.loads(out)} == {"scheduled"}

    code, out, _ = run("meetings", "schedule", site_id, "--committee", "technical", "--at", "2030-03-12T09:30",
                       "--json")
    assert code == 0
    meeting = json.loads(out)["id"]
    assert run("meetings", "move", meeting, "--at", "2030-03-19T09:30")[0] == 0
    (tmp_path / "m.md").write_text("# Compte rendu\n\nRien à signaler.\n", encoding="utf-8")
    code, _, err = run("meetings", "minutes", meeting, "--file", tmp_path / "m.md")
    assert code == 2 and "has not started yet" in err  # minutes wait for the meeting to begin
    code, out, _ = run("meetings", "schedule", site_id, "--committee", "technical", "--at", "2026-01-06T09:30",
                       "--json")  # a meeting that took place (the CLI runs at the real time)
    past = json.loads(out)["id"]
    code, out, _ = run("meetings", "minutes", past, "--file", tmp_path / "m.md", "--json")
    assert code == 0 and json.loads(out)["version"] == 1
    code, _, err = run("meetings", "minutes", past, "--file", tmp_path / "m.md")
    assert code == 2 and "minutes: Edited since version 0" in err
    ics = tmp_path / "i.ics"
    assert run("documents", "render", site_id, "invitation", "--meeting", meeting, "--format", "ics", "-o", ics)[0] == 0
    event = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 1
    assert run("meetings", "cancel", meeting, "--reason", "grève")[0] == 0
    code, _, err = run("meetings", "move", meeting, "--at", "2030-03-26T09:30")
    assert code == 2 and "cancelled" in err
    code, _, err = run("meetings", "schedule", site_id, "--committee", "technical", "--at", "2030-12-26T10:00")
    assert code == 2 and "public holiday" in err  # 26 December in Moselle


def test_a_decision_the_work_settles_is_not_taken_by_site_decide_which_names_the_command_to_use(run, site_id):
    code, _, err = run("site", "decide", site_id, "structure_type", "ESAT", "--text", "Choix d'un ESAT")
    assert code == 2 and "`setupflow diagnostic structure`" in err
    code, out, _ = run("decisions", "list", site_id, "--search", "esat", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = run("decisions", "search", "nothing-like-this", "--json")
    assert json.loads(out) == []


@pytest.mark.parametrize("kind,fmt,magic", [("project_note", "docx", b"PK"), ("team_file", "html", b"<!DOCTYPE"),
                                            ("decisions", "pdf", b"%PDF")])
def test_documents_render_to_files(run, site_id, tmp_path, kind, fmt, magic):
    target = tmp_path / f"doc.{fmt}"
    code, out, _ = run("documents", "render", site_id, kind, "--format", fmt, "-o", target)
    assert code == 0 and target.read_bytes().startswith(magic)
