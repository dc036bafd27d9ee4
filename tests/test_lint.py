"""The code base passes ruff with the rules of pyproject.toml ([tool.ruff]): pyflakes,
pycodestyle, returns, no stray prints, and complexity (C901 at 15). A function kept above
the limit says why where it stands (``# noqa: C901  (reason)``)."""
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
