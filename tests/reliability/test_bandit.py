"""bandit finds no high-severity issue in setupflow and web that is not explained, and
every accepted finding (``# nosec``) says why."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

#: runs bandit over the code base in a process
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def test_bandit_reports_no_high_severity_issue():
    run = subprocess.run([sys.executable, "-m", "bandit", "-r", "setupflow", "web", "-lll", "-f", "json", "-q"],
                         cwd=REPO, capture_output=True, text=True)
    assert run.stdout, f"bandit did not run: {run.stderr}"
    report = json.loads(run.stdout)
    findings = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]]
    assert findings == [], "explain with '# nosec BXXX - reason' or fix:\n" + "\n".join(findings)
    assert report["metrics"]["_totals"]["loc"] > 5000, "bandit scanned almost nothing"


def test_every_accepted_bandit_finding_names_its_test_and_a_reason():
    """``# nosec B701`` names the test; a comment just above starts ``bandit B701 accepted:`` + why."""
    unexplained = []
    for path in [*REPO.joinpath("setupflow").rglob("*.py"), *REPO.joinpath("web").rglob("*.py")]:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            found = re.search(r"# nosec\b(.*)", line)
            if not found:
                continue
            test_id = re.fullmatch(r" (B\d{3})", found.group(1))
            above = "\n".join(lines[max(0, number - 4):number - 1])
            if not test_id or not re.search(rf"# bandit {test_id.group(1)} accepted: \w+", above):
                unexplained.append(f"{path.relative_to(REPO)}:{number}")
    assert unexplained == []
