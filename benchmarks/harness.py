"""Timing, statement counting and the result table shared by every benchmark."""
from __future__ import annotations

import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: str = ""
    #: None when the figure has no target; True/False when it does
    met: bool | None = None
    spread: str = ""
    #: a statement-count target missed fails the run (times never do)
    is_assertion: bool = False
    note: str = ""

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


@dataclass
class Report:
    scale: dict
    machine: dict
    figures: list[Figure] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        print(f"  {figure.name}: {format_value(figure)}", flush=True)
        return figure

    @property
    def failed_assertions(self) -> list[Figure]:
        return [f for f in self.figures if f.is_assertion and f.met is False]


def format_value(f: Figure) -> str:
    value = f"{f.value:,.3f}" if f.value < 10 else f"{f.value:,.1f}"
    spread = f" ({f.spread})" if f.spread else ""
    target = f"  target {f.target}: {'met' if f.met else 'MISSED'}" if f.met is not None else ""
    return f"{value} {f.unit}{spread}{target}"


def summarize(samples: list[float]) -> tuple[float, str]:
    """Median and spread (min..max, and p95 when there are enough samples)."""
    med = statistics.median(samples)
    spread = f"min {min(samples):.3g}, max {max(samples):.3g}, n={len(samples)}"
    return med, spread


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1)))))
    return ordered[k]


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


@contextmanager
def count_statements(engine):
    """Count the SQL statements executed on ``engine`` inside the block."""
    counter = {"n": 0}

    def before(*_args, **_kw):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)


def print_table(report: Report) -> None:
    width = max(len(f.name) for f in report.figures) if report.figures else 10
    print()
    print(f"{'figure':<{width}}  {'value':>14}  {'unit':<10} target")
    for f in report.figures:
        value = f"{f.value:,.3f}" if f.value < 10 else f"{f.value:,.1f}"
        status = "" if f.met is None else ("met" if f.met else "MISSED")
        print(f"{f.name:<{width}}  {value:>14}  {f.unit:<10} {f.target} {status}")
