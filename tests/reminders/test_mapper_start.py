"""Worker threads must never be the first to configure the ORM.

The worker runs its sweep and its planning pass in two threads. If a thread imports a
model module lazily while the other runs its first query, SQLAlchemy configures the
mappers half-way through that import, fails, and refuses every later query of the
process: messages the SMTP server accepted would stay "sending" and go out again once
their lease ran out. So every session factory comes with every model imported and every
mapper configured, before any thread starts."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from setupflow.db import Base, make_engine, make_session_factory
make_session_factory(make_engine("sqlite://"))
unconfigured = sorted(m.class_.__name__ for m in Base.registry.mappers if not m.configured)
print(len(Base.metadata.tables), "tables;", "unconfigured:", unconfigured)
sys.exit(1 if unconfigured or "setupflow.team.models" not in sys.modules else 0)
"""


@pytest.mark.slow  # a fresh Python process
def test_a_session_factory_comes_with_every_mapper_configured():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout + done.stderr

