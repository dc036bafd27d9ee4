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


def import_graph(trees=TREES) -> dict[str, set[str]]:
    """module -> the modules of ``trees`` it imports, at any depth of the file (imports
    inside functions count: a lazy import still ties the two modules together). Two
    registries are left out on purpose: ``setupflow.db`` importing every model
    (``all_models``) and the app factory ``web.create_app`` importing every blueprint."""
    paths = {}
    for tree in trees:
        for path in (ROOT / tree).rglob("*.py"):
            if "versions" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for module, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        factory = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "create_app"] \
            if module == "web" else []
        skipped = {id(n) for f in factory for n in ast.walk(f)}
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        found = set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name in paths}
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(package[:len(package) - node.level + 1] + [node.module] if node.module else
                                package[:len(package) - node.level + 1]) if node.level else node.module
                for alias in node.names:
                    found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in paths else base)
        graph[module] = {m for m in found if m in paths and m != module}
    graph["setupflow.db"].discard("setupflow.all_models")
    return graph


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The groups of two modules or more that reach each other through imports (the
    strongly connected components of the graph, Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for child in graph[node]:
            if child not in index:
                visit(child)
                low[node] = min(low[node], low[child])
            elif child in stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            group = {stack.pop()}
            while node not in group:
                group.add(stack.pop())
            if len(group) > 1:
                found.append(group)

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_reminders_the_cli_and_the_web_pages_import_in_one_direction():
    """A feature split over several modules is joined by its package (the blueprint or the
    click group in the first module, the others add to it), never by two modules importing
    each other. Circles elsewhere in the engine are left to their owners (see README, Layout)."""
    watched = ("setupflow.reminders.", "setupflow.cli.", "web.")
    top_level_web = {"web.history", "web.labels"}  # the template filters and the history texts: see README, Layout
    found = [sorted(group) for group in circles(import_graph())
             if any(m.startswith(watched) for m in group) and not group <= top_level_web]
    assert not found, "modules that import each other:\n" + "\n".join(" <-> ".join(g) for g in found)


def test_an_import_circle_is_found(tmp_path):
    graph = {"a.rules": {"a.operations"}, "a.operations": {"a.rules", "a.models"}, "a.models": set()}
    assert circles(graph) == [{"a.rules", "a.operations"}]
    graph["a.operations"].discard("a.rules")
    assert circles(graph) == []


def imported_roots(path: Path, root: Path = ROOT) -> set[str]:
    """The absolute module names ``path`` imports (relative imports resolved against its package)."""
    parts = path.relative_to(root).with_suffix("").parts
    package = list(parts[:-1])  # a module's package; for __init__.py, the package itself
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found |= {f"{module}.{a.name}" for a in node.names} | {module}
    return found


def layer_violations(root: Path) -> list[str]:
    """faces (web/, setupflow/cli/) -> features -> engine -> definitions: the engine does not
    know Flask, the web app or the CLI; the web app does not know the CLI (the CLI may start
    the web app: ``setupflow serve``)."""
    wrong = []
    for path in sorted((root / "setupflow").rglob("*.py")):
        if "cli" in path.relative_to(root).parts or path.name == "__main__.py":  # the CLI face and its entry point
            continue
        wrong += [f"{path.relative_to(root)}: {name}" for name in sorted(imported_roots(path, root))
                  if name.split(".")[0] in ("flask", "web") or name.startswith("setupflow.cli")]
    for path in sorted((root / "web").rglob("*.py")):
        wrong += [f"{path.relative_to(root)}: {name}" for name in sorted(imported_roots(path, root))
                  if name.startswith("setupflow.cli")]
    return wrong


def test_the_engine_never_imports_a_face_and_the_web_never_imports_the_cli():
    wrong = layer_violations(ROOT)
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_an_engine_module_importing_flask_or_the_cli_is_noticed(tmp_path):
    (tmp_path / "setupflow" / "sites").mkdir(parents=True)
    (tmp_path / "setupflow" / "cli").mkdir()
    (tmp_path / "web").mkdir()
    engine_module = tmp_path / "setupflow" / "sites" / "operations.py"
    engine_module.write_text("from flask import g\nfrom ..cli.common import runtime\n")
    (tmp_path / "setupflow" / "cli" / "serve.py").write_text("from web import create_app\n")
    (tmp_path / "web" / "routes.py").write_text("from setupflow.sites import operations\n")
    assert layer_violations(tmp_path) == [f"setupflow/sites/operations.py: {name}" for name in
                                          ("flask", "flask.g", "setupflow.cli.common", "setupflow.cli.common.runtime")]


def test_a_relative_import_is_resolved_against_its_package():
    module = ROOT / "setupflow" / "reminders" / "rules.py"
    assert "setupflow.reminders.planned.Planned" in imported_roots(module)
    assert "setupflow.sites.operations" in imported_roots(module)
