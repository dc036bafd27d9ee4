"""`pip install .` ships the method: workflows/ and templates/ travel inside the wheel
and are found without the source tree or the current directory."""
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_the_wheel_carries_workflows_templates_migrations_and_web(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
                   check=True, capture_output=True, timeout=300)
    [wheel] = tmp_path.glob("setupflow-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "setupflow/_data/workflows/cress-disp.yaml" in names
    assert "setupflow/_data/workflows/actice.yaml" in names
    assert "setupflow/_data/workflows/vocabulary.yaml" in names  # what the definitions share
    assert any(n.startswith("setupflow/_data/templates/") for n in names)
    assert any(n.startswith("setupflow/migrations/versions/") and n.endswith(".py") for n in names)
    assert "setupflow/migrations/script.py.mako" in names
    assert any(n.startswith("web/") for n in names)

    # the installed package finds them from anywhere
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    code = ("from setupflow.config import Settings; s = Settings.from_env({}); "
            "from setupflow.definitions import load_catalog; "
            "print(sorted(lw.workflow.id for lw in load_catalog(s.workflow_dirs)), s.templates_dir.is_dir())")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={"PYTHONPATH": str(target), "HOME": str(tmp_path)},
                         check=True, capture_output=True, text=True, timeout=60).stdout
    assert out.strip() == "['actice', 'cress-disp'] True"


def test_the_one_machine_server_is_a_core_dependency():
    """`setupflow serve` works after a plain `pip install .`: waitress is in the core
    dependencies, gunicorn stays an extra for the production shape."""
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("waitress") for d in project["dependencies"])
    assert not any(d.startswith("gunicorn") for d in project["dependencies"])
    assert any(d.startswith("gunicorn") for d in project["optional-dependencies"]["server"])
