"""The code base passes ruff with the rules of pyproject.toml ([tool.ruff]): pyflakes,
pycodestyle, returns, no stray prints, and complexity (C901 at 15). A function kept above
the limit says why where it stands (``# noqa: C901  (reason)``)."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ruff(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


def test_ruff_finds_nothing_in_the_engine_and_the_web_app():
    result = ruff("setupflow", "web")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_reads_the_project_rules_and_a_too_complex_function_is_found(tmp_path):
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(16))
    (tmp_path / "tangled.py").write_text(f"def tangled(x):\n{branches}\n    return -1\n", encoding="utf-8")
    result = ruff("tangled.py", cwd=tmp_path)
    assert result.returncode == 1 and "C901" in result.stdout, result.stdout + result.stderr


def unexplained_complexity(text: str) -> list[int]:
    """Lines that silence the complexity check without saying why (``# noqa: C901  (why)``)."""
    return [n for n, line in enumerate(text.splitlines(), 1)
            if "noqa: C901" in line and not re.search(r"noqa: C901\s+\(\w[^)]*\)", line)]


def test_every_function_kept_above_the_complexity_limit_says_why():
    paths = [path for tree in ("setupflow", "web") for path in sorted((ROOT / tree).rglob("*.py"))]
    found = [f"{path.relative_to(ROOT)}:{n}" for path in paths
             for n in unexplained_complexity(path.read_text(encoding="utf-8"))]
    assert not found, "a `# noqa: C901` needs its reason in parentheses:\n" + "\n".join(found)


def test_a_bare_complexity_exception_is_noticed():
    assert unexplained_complexity("def a():  # noqa: C901\ndef b():  # noqa: C901  (a table of cases)\n") == [1]
