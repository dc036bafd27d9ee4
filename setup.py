"""Ship the top-level workflows/ and templates/ folders inside the wheel.

They sit at the top of the source tree so that a Cress can read and adapt them; an
installed setupflow finds them in setupflow/_data/ (see setupflow.config).
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED_FOLDERS = ("workflows", "templates")


class BuildWithMethodData(build_py):
    def run(self):
        super().run()
        here = Path(__file__).parent
        for name in SHIPPED_FOLDERS:
            target = Path(self.build_lib) / "setupflow" / "_data" / name
            shutil.copytree(here / name, target, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithMethodData})
