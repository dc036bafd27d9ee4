"""Decisions that belong to the work, to a committee and to a stage: the definition says so
(`settled_by`, `taken_in`, `stages`), loading checks it with file:line errors, and every face
goes through one engine check (the CLI and the web say the same thing). Engine mechanics, on
tests/definitions/work.yaml (its form is the diagnostic's choice, its partner the board's
selection, its signature and opening the preparation's) and committees.yaml; the guide's own
decisions (marked ``method``) on workflows/cress-disp.yaml."""
import re

import pytest

from setupflow.definitions import load_text
from setupflow.definitions.loader import DefinitionError
from setupflow.errors import InputError
from setupflow.sites import operations as ops

from tests.conftest import DEFINITIONS, WORKFLOWS

WORK = (DEFINITIONS / "work.yaml").read_text(encoding="utf-8")


def problems_of(text, name="workflows/x.yaml"):
    with pytest.raises(DefinitionError) as exc:
        load_text(text, name)
    return [str(p) for p in exc.value.problems]


def line_of(text, needle, after=None):
    start = text.index(after) if after else 0
    return text.count("\n", 0, text.index(needle, start)) + 1


@pytest.mark.method
def test_the_definition_names_the_work_committee_and_stages_of_its_decisions():
    workflow = load_text((WORKFLOWS / "cress-disp.yaml").read_text(encoding="utf-8"), "workflows/cress-disp.yaml").workflow
    rules = {d.id: (d.settled_by, d.taken_in, d.stages) for d in workflow.decisions}
    assert rules["structure_type"] == ("diagnostic_choice", "technical", ("diagnose",))
    assert rules["sponsor"] == ("call_selection", "technical", ("call",))
    assert rules["dui_signed"] == ("dui_circuit", None, ("support",))
    assert rules["opening_confirmed"] == ("opening_confirmation", None, ("support",))


def test_an_unknown_work_committee_or_stage_is_refused_with_its_file_and_line():
    text = WORK.replace("settled_by: call_selection", "settled_by: lottery", 1)
    [line] = problems_of(text)
    assert line.startswith(f"workflows/x.yaml:{line_of(text, 'settled_by: lottery')}: decisions[2].settled_by: "
                           "unknown work 'lottery'")
    text = WORK.replace("taken_in: board\n    settled_by: call_selection", "taken_in: jury\n    settled_by: call_selection", 1)
    assert f"workflows/x.yaml:{line_of(text, 'taken_in: jury')}: decisions[2].taken_in: unknown committee " \
           "'jury'" in problems_of(text)
    text = WORK.replace("stages: [study]", "stages: [studies]", 1)
    assert f"decisions[0].stages[0]: unknown stage 'studies'" in "\n".join(problems_of(text))


def test_a_work_that_does_not_record_the_decision_is_refused():
    text = WORK.replace("settled_by: call_selection", "settled_by: dui_circuit", 1)
    [line] = problems_of(text)
    assert "decisions[2].settled_by: the work 'dui_circuit' does not record 'partner'" in line


def test_a_gate_cannot_need_a_decision_that_can_only_be_taken_later():
    text = WORK.replace("stages: [study]", "stages: [seek]", 1)
    [line] = problems_of(text)
    assert re.search(r"x.yaml:\d+: decisions\[0\].stages: the gate of 'study' needs 'form'", line)


def test_adding_keys_to_the_schema_keeps_the_fingerprint_of_a_definition_that_does_not_use_them():
    """A stored version must not look edited because the schema learnt a key it does not use."""
    from setupflow.definitions.loader import fingerprint

    plain = load_text(WORK.replace("    settled_by: diagnostic_choice\n", "", 1), "x.yaml").workflow
    document = plain.model_dump(mode="json")
    assert "settled_by" in document["decisions"][0]  # stored snapshots carry every key
    assert fingerprint(plain) != fingerprint(load_text(WORK, "x.yaml").workflow)
    again = type(plain).model_validate(document)
    assert fingerprint(again) == fingerprint(plain)


VALUES = {"form": "small", "partner": "Partenaire fictif"}


def test_a_direct_decision_of_the_partner_names_the_command_and_the_page_to_use(session, make_site, walk, actor, now):
    site = walk(make_site(workflow="work"), "seek", VALUES)
    with pytest.raises(InputError) as exc:
        ops.record_decision(session, site, key="partner", value="Structure X", text=None, actor=actor, now=now)
    assert exc.value.code == "decision.settled_by_selection" and exc.value.field == "key"
    assert "`setupflow calls select`" in str(exc.value) and "call's page" in str(exc.value)


def test_the_signature_and_the_opening_cannot_be_recorded_by_hand_even_in_their_stage(session, make_site, walk,
                                                                                      actor, now):
    site = walk(make_site(workflow="work"), "prepare", VALUES)
    for key, code in (("signed", "decision.settled_by_dui"), ("opens_on", "decision.settled_by_opening")):
        with pytest.raises(InputError) as exc:
            ops.record_decision(session, site, key=key, value="2028-06-01", text=None, actor=actor, now=now)
        assert exc.value.code == code


def test_a_decision_cannot_be_taken_before_its_stage(session, make_site, actor, now):
    from setupflow.support import operations as support

    site = make_site(workflow="work")
    with pytest.raises(InputError) as exc:
        support.confirm_opening(session, site, "2030-01-07", actor=actor, now=now)
    assert exc.value.code == "decision.wrong_stage"
    assert str(exc.value) == ("key: The decision 'Confirmed opening date' is taken in the stage Prepare; the site is "
                              "in the stage Study.")
    assert "opens_on" not in ops.current_decisions(session, site)


def test_the_meeting_page_offers_only_the_decisions_the_meeting_can_take_at_the_current_stage(
        session, make_site, walk, held):
    from web.meetings.meeting import decision_kinds

    site = make_site(workflow="work")
    assert [k.id for k in decision_kinds(held(site, "board"))] == []  # the form is chosen on the diagnostic page
    site = make_site(workflow="committees", name="Autre")
    assert [k.id for k in decision_kinds(held(site, "board"))] == ["flavour"]
    assert [k.id for k in decision_kinds(held(site, "council"))] == []  # not its committee
    walk(site, "build")
    # the flavour no longer (its stage is past); the go date, which no committee owns, in any meeting
    assert [k.id for k in decision_kinds(held(site, "board"))] == ["go_date"]


def test_a_meeting_that_did_not_take_place_takes_no_committee_decision(session, make_site, actor, now):
    from setupflow.committees.operations import schedule
    from setupflow.diagnostic.operations import choose_structure

    site = make_site(workflow="work")
    planned = schedule(session, site, "board", "2027-01-12T14:00", actor, now)
    with pytest.raises(InputError) as exc:
        choose_structure(session, site, "small", "Diagnostic", actor=actor, now=now, meeting=planned.id)
    assert (exc.value.code, exc.value.field) == ("decision.meeting_not_held", "meeting")


def test_the_cli_and_the_web_refuse_a_direct_partner_with_the_same_code(session, make_site, walk, actor, now):
    """Both faces call record_decision: the CLI prints the English text, the web the same code in French."""
    from flask import Flask
    from flask_babel import Babel, force_locale

    from web.problems import explain

    site = walk(make_site(workflow="work"), "seek", VALUES)
    with pytest.raises(InputError) as exc:
        ops.record_decision(session, site, key="partner", value="Structure X", text=None, actor=actor, now=now)
    app = Flask(__name__)
    from tests.conftest import REPO
    Babel(app, default_translation_directories=str(REPO / "web" / "translations"))
    with app.test_request_context(), force_locale("fr"):
        french = explain(exc.value)
    assert french.startswith("La décision «\u00a0Partenaire retenu\u00a0» est la sélection du comité")
    assert "`setupflow calls select`" in french
