"""How the code base's modules join: no module imports another module's private name (a
leading underscore), and the CLI's shared options are defined once."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREES = ("setupflow", "web")


def private_imports(path: Path) -> list[tuple[int, str]]:
    """(line, name) of every private name ``path`` imports from setupflow or web (relative imports included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").split(".")[0] in TREES):
            found += [(node.lineno, a.name) for a in node.names
                      if a.name.startswith("_") and not a.name.startswith("__")]
    return found


def test_no_module_imports_a_private_name_of_another():
    found = [f"{path.relative_to(ROOT)}:{line} {name}" for tree in TREES for path in sorted((ROOT / tree).rglob("*.py"))
             for line, name in private_imports(path)]
    assert not found, "private names imported across modules (make them public or move them):\n" + "\n".join(found)


def test_a_private_import_is_noticed_and_a_private_alias_is_not(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from .operations import _load, load\nfrom flask_babel import lazy_gettext as _l\n"
                      "from setupflow.sites.operations import _parse_day\n")
    assert private_imports(module) == [(1, "_load"), (3, "_parse_day")]


def test_the_cli_options_every_command_shares_are_defined_once():
    definitions = re.compile(r"^(AS_OPTION|JSON_OPTION) = ", re.M)
    where = {path.name: definitions.findall(path.read_text(encoding="utf-8"))
             for path in (ROOT / "setupflow" / "cli").rglob("*.py")}
    assert {name: found for name, found in where.items() if found} == {"common.py": ["AS_OPTION", "JSON_OPTION"]}
