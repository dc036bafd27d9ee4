"""A refusal is data (code, field, params): every code raised exists in the catalogue, the
CLI prints its English text, and the web renders it in the reader's language from the code."""
import re
from datetime import date
from pathlib import Path

import pytest

from setupflow.errors import InputError
from setupflow.refusals import MESSAGES, english

ROOT = Path(__file__).resolve().parent.parent
CODE = re.compile(r"""\bcode=["']([a-z_.]+)["']""")


def codes_in_the_code_base() -> dict[str, str]:
    found = {}
    for tree in ("setupflow", "web"):
        for path in (ROOT / tree).rglob("*.py"):
            for code in CODE.findall(path.read_text(encoding="utf-8")):
                found.setdefault(code, str(path.relative_to(ROOT)))
    return found


def test_every_code_raised_is_in_the_catalogue():
    unknown = {code: where for code, where in codes_in_the_code_base().items() if code not in MESSAGES}
    assert not unknown, f"codes with no template in setupflow/refusals.py: {unknown}"


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_template_names_only_params_it_can_be_given(code):
    names = re.findall(r"%\((\w+)\)s", MESSAGES[code])
    assert english(code, {n: "x" for n in names})


def test_a_refusal_carries_its_code_field_and_params_and_reads_as_english_on_the_cli():
    exc = InputError(code="date.out_of_range", field="starts_on", value=date(9999, 12, 31), low=2000, high=2100)
    assert (exc.code, exc.field, exc.params["high"]) == ("date.out_of_range", "starts_on", 2100)
    assert str(exc) == "starts_on: 9999-12-31 is outside the accepted years (2000 to 2100)."


def test_the_web_renders_a_refusal_from_its_code_in_french_with_a_french_date():
    from flask import Flask
    from flask_babel import Babel, force_locale

    from web.problems import explain

    app = Flask(__name__)
    Babel(app, default_translation_directories=str(ROOT / "web" / "translations"))
    exc = InputError(code="date.out_of_range", field="starts_on", value=date(2101, 1, 5), low=2000, high=2100)
    with app.test_request_context(), force_locale("fr"):
        assert explain(exc) == "5 janvier 2101 est en dehors des années acceptées (de 2000 à 2100)."
    with app.test_request_context(), force_locale("en"):
        assert explain(exc) == "January 5, 2101 is outside the accepted years (2000 to 2100)."


def test_no_refusal_is_raised_with_an_english_sentence_instead_of_a_code():
    plain = re.compile(r"""\b(InputError|NotFound|NotAllowed|StaleEdit)\(\s*f?["']""")
    found = [f"{path.relative_to(ROOT)}:{n}" for tree in ("setupflow", "web") for path in (ROOT / tree).rglob("*.py")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if plain.search(line)]
    assert not found, f"refusals with a message instead of a code: {found}"


def test_a_privacy_refusal_names_the_field_and_the_kind_of_problem_in_french_and_a_list_reads_as_a_list():
    from flask import Flask
    from flask_babel import Babel, force_locale

    from setupflow.refusals import Term
    from web.problems import explain

    app = Flask(__name__)
    Babel(app, default_translation_directories=str(ROOT / "web" / "translations"))
    privacy = InputError(code="privacy.identifying", field="label", label="label", problem=Term("privacy.kind.email"))
    missing = InputError(code="call.not_ready", field="call", call=3,
                         missing=[Term("call.missing.body"), Term("call.missing.needs")])
    assert str(privacy).startswith("label: looks like an e-mail address; the diagnostic keeps aggregates")
    with app.test_request_context(), force_locale("fr"):
        assert explain(privacy).startswith("Libellé : ressemble à une adresse e-mail ; le diagnostic ne garde")
        assert explain(missing) == ("L'appel ne peut pas encore être publié : il lui faut le texte de l'appel et "
                                    "les besoins de la population pénale auxquels il répond.")


def test_the_catalogue_names_each_code_once():
    import ast

    source = (ROOT / "setupflow" / "refusals.py").read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict) and len(node.keys) > 10:
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            assert len(keys) == len(set(keys)), sorted(k for k in set(keys) if keys.count(k) > 1)
