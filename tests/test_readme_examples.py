"""The README's command examples run as written on the demo data, so that the README stays
true: every ``setupflow ...`` line of its indented code blocks is parsed (optional parts in
brackets left out, comments dropped, ``;`` separating two commands) and run in order
through the CLI entry point on a fresh copy of the demo database (what ``setupflow demo``
writes, built once per test worker: see ``demo_db``)."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import run_command

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_commands(text: str | None = None) -> list[tuple[int, list[str]]]:
    """(line number, argv after ``setupflow``) of every command example of the README's
    indented code blocks."""
    text = README.read_text(encoding="utf-8") if text is None else text
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("    ") or not line.strip().startswith("setupflow "):
            continue
        code = re.split(r"\s{2,}#\s|\s#\s", line.strip() + " ", maxsplit=1)[0]
        for part in code.split(" ; "):
            part = re.sub(r"\s*\[[^\]]*\]", "", part).strip()
            words = shlex.split(part)
            if words and words[0] == "setupflow":
                found.append((number, words[1:]))
    return found


#: README commands that cannot run unattended on the demo, with why. Their command path and
#: options are still checked against ``--help``.
SKIPPED = {
    ("worker",): "runs until SIGTERM (its --once form runs)",
    ("site", "decide", "1", "KEY", "VALUE"): "KEY and VALUE are placeholders; the demo's plan-stage site has no "
                                             "decision left that no work settles",
    ("calls", "select"): "needs the call closed (its closing date passed): the example's call is still open",
    ("calls", "unsuccessful"): "needs the call closed (its closing date passed): the example's call is still open",
    ("programmes", "apply"): "'...' stands for the answers the programme's form asks",
    ("programmes", "request-full-file"): "'...' stands for an application's id and options",
    ("programmes", "full-file"): "'...' stands for the answers of the full file",
    ("programmes", "score"): "'...' and CRITERION are placeholders",
    ("programmes", "select"): "needs scored full files and a held selection meeting of a new edition",
    ("programmes", "weight"): "before publication only: the example's edition is published the line before",
    ("programmes", "plan"): "the demo's edition is already planned",
}
#: README commands whose documented outcome is not exit code 0.
EXPECTED_CODES = {
    ("site", "advance", "1"): {2},  # "refused, with what is missing, until the gate is met"
    ("outbox", "status"): {0, 1},   # "exit code 1 if not": no SMTP server in the test
}


def readme_inline_commands() -> list[tuple[int, list[str]]]:
    """(line number, argv after ``setupflow``) of the commands the README's prose quotes
    (`setupflow export SITE -o FILE`), optional parts left out."""
    found = []
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        for code in re.findall(r"`setupflow ([a-z][^`]*)`", line):
            found.append((number, shlex.split(re.sub(r"\s*\[[^\]]*\]", "", code))))
    return found


def _skipped(argv: list[str]) -> str | None:
    for key, reason in SKIPPED.items():
        if tuple(argv[:len(key)]) == key:
            return reason
    return None


def _options(argv: list[str]) -> tuple[list[str], list[str]]:
    """The command path (the words before the first argument) and the options of a README command."""
    return [w for w in argv[:2] if not w.startswith("-")], [w for w in argv if w.startswith("--")]


def test_the_readme_command_parser_splits_drops_optional_parts_and_comments():
    text = ("prose with setupflow site show 1\n"
            "    setupflow site show 1 [--json]                   # stage, gate\n"
            "    setupflow calls create 4 ; setupflow calls edit 4 --body-file ami.txt   # two\n"
            "    setupflow meetings cancel 12 --reason \"salle indisponible\"\n")
    assert readme_commands(text) == [(2, ["site", "show", "1"]), (3, ["calls", "create", "4"]),
                                     (3, ["calls", "edit", "4", "--body-file", "ami.txt"]),
                                     (4, ["meetings", "cancel", "12", "--reason", "salle indisponible"])]


@pytest.mark.slow
def test_every_readme_command_names_an_existing_command_and_its_options():
    for number, argv in readme_commands() + readme_inline_commands():
        path, options = _options(argv)
        code, out, err = run_command(*path, "--help")
        assert code == 0, f"README line {number}: setupflow {' '.join(path)} --help: {err}"
        for option in options:
            assert option in out, f"README line {number}: {' '.join(path)} has no option {option}"


def _json(*args):
    import json

    code, out, err = run_command(*args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.slow
def test_the_readme_commands_run_as_written_on_the_demo(demo_db, tmp_path, monkeypatch):  # noqa: C901  (one table of the README's lines)
    from datetime import date, timedelta

    for key, value in demo_db.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SETUPFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SETUPFLOW_SMTP_HOST", raising=False)
    monkeypatch.chdir(tmp_path)
    for name, body in {"cr.md": "# Compte rendu\n\nTexte.\n", "objectifs.md": "Objectifs.\n",
                       "conclusions.txt": "Conclusions.\n", "ami.txt": "Appel à manifestation d'intérêt.\n",
                       "dossier.pdf": "%PDF-1.4\n%%EOF\n"}.items():
        (tmp_path / name).write_text(body)

    # What a reader puts in place of the README's illustrative numbers and dates on the demo:
    # site 1 plans, 3 diagnoses, 4 calls, 5 supports (as in the README); the meetings, people,
    # applications and tokens are the demo's or the ones the commands before made.
    today = date.today()
    site1_people = [p["id"] for p in _json("people", "list", "1")]
    technical = [p["id"] for p in _json("people", "list", "1")  # the one who leaves below left out
                 if "technical" in (p.get("committees") or []) and p["id"] != site1_people[0]]
    diagnostic_meeting = next(m["id"] for m in _json("meetings", "list", "3")
                              if m["status"] == "held" and m["committee"] == "technical")
    programme_meetings = _json("programmes", "meetings", "1")
    programme_meeting = next(m["id"] for m in programme_meetings if m["status"] == "scheduled")
    held_programme_meeting = next(m["id"] for m in programme_meetings if m["status"] == "held")
    state: dict[str, str] = {}

    def substitute(argv: list[str]) -> list[str]:  # noqa: C901  (one case per README line)
        words = list(argv)
        match words[:2]:
            case ["people", "leave"]:
                words[2], words[4] = str(site1_people[0]), str(site1_people[1])
            case ["meetings", "schedule"]:
                # in the past, so that the lines after can record it held
                words[words.index("--at") + 1] = f"{today - timedelta(days=7)}T14:00"
            case ["meetings", "cancel"]:
                words[2] = state["proposal"]
            case ["meetings", "role"]:
                words[2], words[4] = state["meeting"], str(site1_people[1])
            case ["meetings", "held"]:
                words = ["meetings", "held", state["meeting"], "--present", str(technical[0]),
                         "--present", str(technical[1]), "--excused", str(technical[2])]
            case ["meetings", ("move" | "minutes" | "decide" | "approve")]:
                words[2] = state["meeting"]
                if words[1] == "move":
                    words[words.index("--at") + 1] = f"{today - timedelta(days=6)}T10:00"
                if words[1] == "approve":
                    words[words.index("--version") + 1] = "1"
            case ["documents", "render"] if "--meeting" in words:
                words[words.index("--meeting") + 1] = state["meeting"]
            case ["diagnostic", "settle"]:
                words[3] = state["hypothesis"]
            case ["diagnostic", "structure"]:
                words[words.index("--meeting") + 1] = str(diagnostic_meeting)
            case ["calls", "publish"]:
                words[words.index("--on") + 1] = str(today - timedelta(days=7))
                words[words.index("--closes") + 1] = str(today + timedelta(days=30))
            case ["calls", "extend"]:
                words[words.index("--closes") + 1] = str(today + timedelta(days=60))
            case ["calls", ("attach" | "score")]:
                words[3] = state["application"]
                if "--member" in words:
                    words[words.index("--member") + 1] = state["scorer"]
            case ["support", "immersion"]:
                words[words.index("--from") + 1] = str(today - timedelta(days=14))
                words[words.index("--to") + 1] = str(today - timedelta(days=10))
            case ["dui", "sign"]:
                words[words.index("--on") + 1] = str(today)
            case ["feeds", "revoke"]:
                words[2] = state["token"]
            case ["programmes", "publish"]:
                words[2] = state["edition"]
            case ["programmes", ("move" | "invitation")]:
                words[3] = str(programme_meeting)
            case ["programmes", "minutes"]:
                words[3] = str(held_programme_meeting)
            case ["programmes", "report"]:
                words[words.index("--period") + 1] = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
        return words

    ran, failures = [], []
    for number, argv in readme_commands():
        if _skipped(argv):
            continue
        words = substitute(argv)
        if ">" in words:  # a shell redirection: the output is what the command prints
            words = words[:words.index(">")]
        if words[:2] == ["calls", "create"] and "call" in state:
            continue  # the second follows `calls unsuccessful` (skipped above)
        code, out, err = run_command(*words)
        expected = EXPECTED_CODES.get(tuple(argv), {0})
        ran.append(number)
        if code not in expected:
            failures.append(f"README line {number}: setupflow {' '.join(words)} -> {code}: {err.strip()[-300:]}")
            continue
        # remember what the lines after refer to
        match words[:2]:
            case ["meetings", "propose"]:
                state["proposal"] = str(next(m["id"] for m in _json("meetings", "list", "1")
                                             if m["status"] == "proposed"))
            case ["meetings", "schedule"]:
                state["meeting"] = str(max(m["id"] for m in _json("meetings", "list", "1")))
            case ["diagnostic", "hypothesis"]:
                state["hypothesis"] = re.search(r"\d+", out).group()
            case ["calls", "apply"]:
                state["application"] = re.search(r"\d+", out).group()
                state["scorer"] = str(next(p["id"] for p in _json("people", "list", "4")
                                           if "technical" in (p.get("committees") or [])))
            case ["calls", "create"]:
                state["call"] = words[2]
            case ["programmes", "open-edition"]:
                state["edition"] = re.search(r"\d+", out).group()
            case ["feeds", "create"]:
                state["token"] = re.search(r"/feeds/([^/.\s]+)\.ics", out).group(1)
    assert not failures, "\n".join(failures)
    assert len(ran) > 60
