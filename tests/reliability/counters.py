"""How many cases the reliability suite tried; printed at the end of the run by
``pytest_terminal_summary`` in tests/conftest.py."""
from __future__ import annotations

from collections import Counter

TRIED: Counter = Counter()


def add(kind: str, n: int = 1) -> None:
    TRIED[kind] += n


def lines() -> list[str]:
    return [f"{kind}: {count}" for kind, count in sorted(TRIED.items())]
