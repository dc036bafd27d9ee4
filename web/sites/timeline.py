"""The retro-planning as an SVG timeline, computed here and drawn by a template.

Per stage: the planned window from the retro-planning (light: every date it may span;
dark: the dates it spans whatever happens), and the actual span from the history and
forecast (a thin bar). A line for today, a milestone for the target opening, and the
deadlines as diamonds over their window.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import date

from setupflow.planning import Plan, Progress

WIDTH = 960
LEFT = 270
#: characters of a row label per line (13 px text in the LEFT margin), and lines per stage row
LABEL_CHARS = 36
LABEL_LINES = 2
#: below this distance (px) the "today" and "target" labels would overlap: they go on two lines
LABEL_CLASH = 140
LINE = 14
RIGHT = 20
TOP = 40
ROW = 36


@dataclass(frozen=True)
class Bar:
    x: float
    width: float


@dataclass(frozen=True)
class StageRow:
    stage_id: str
    label: str
    y: float
    planned: Bar
    core: Bar | None
    actual: Bar | None
    forecast: Bar | None
    is_current: bool
    #: the label cut into lines that fit the left margin (the last one ends with … if cut)
    lines: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Mark:
    label: str
    x: float
    span: Bar
    y: float
    is_done: bool


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    left: int
    rows: list[StageRow]
    deadlines: list[Mark]
    ticks: list[Tick]
    today_x: float | None
    target_x: float
    axis_y: float
    #: baselines of the "today" and "target" labels (one above the other when they would overlap)
    today_label_y: float = 0
    target_label_y: float = 0
    bottom_y: float = 0
    #: the "today" label sits left of its line when the target line is just to its right
    today_anchor: str = "start"
    target_anchor: str = "end"


def label_lines(label: str, width: int = LABEL_CHARS, lines: int = LABEL_LINES) -> tuple[str, ...]:
    """A label wrapped on word boundaries into at most ``lines`` lines of ``width`` characters."""
    return tuple(textwrap.wrap(label, width, max_lines=lines, placeholder=" …")) or ("",)


def build(plan: Plan, prog: Progress, labels: dict[str, str], deadline_labels: dict[str, str],
          current: str, today: date, target: date) -> Timeline:
    days = [plan.start.earliest, plan.opening.latest, prog.plan.start.earliest, prog.plan.opening.latest, today,
            target]
    days += [d.window.earliest for d in plan.deadlines] + [d.window.latest for d in prog.plan.deadlines]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    inner = WIDTH - LEFT - RIGHT

    def x(day: date) -> float:
        return round(LEFT + (day - first).days / span * inner, 1)

    def bar(a: date, b: date) -> Bar:
        return Bar(x(a), max(round(x(b) - x(a), 1), 2.0))

    actual = {s.stage_id: s for s in prog.plan.stages}
    rows = []
    for i, sp in enumerate(plan.stages):
        core = bar(sp.start.latest, sp.end.earliest) if sp.start.latest < sp.end.earliest else None
        done = actual.get(sp.stage_id)
        act = fc = None
        if done is not None:
            if sp.stage_id == current:
                act = bar(done.start.earliest, min(today, done.end.latest))
                fc = bar(done.start.earliest, done.end.latest)
            elif done.start.earliest == done.start.latest and done.end.earliest == done.end.latest \
                    and done.end.latest <= today:
                act = bar(done.start.earliest, done.end.earliest)
            else:
                fc = bar(done.start.earliest, done.end.latest)
        rows.append(StageRow(sp.stage_id, labels[sp.stage_id], TOP + i * ROW, bar(sp.start.earliest, sp.end.latest),
                             core, act, fc, sp.stage_id == current, label_lines(labels[sp.stage_id])))
    y = TOP + len(rows) * ROW
    marks = [Mark(deadline_labels[d.deadline.id], x(d.done_on or d.window.earliest),
                  bar(d.window.earliest, d.window.latest), y + j * 22, d.done_on is not None)
             for j, d in enumerate(prog.plan.deadlines)]
    today_x = x(today) if first <= today <= last else None
    clash = today_x is not None and abs(today_x - x(target)) < LABEL_CLASH
    bottom = y + len(marks) * 22 + 10
    height = int(bottom + 20 + (LINE if clash else 0))
    ticks = []
    year = first.year + 1
    while date(year, 1, 1) <= last:
        ticks.append(Tick(x(date(year, 1, 1)), str(year)))
        year += 1
    return Timeline(WIDTH, height, LEFT, rows, marks, ticks, today_x, x(target), TOP - 12,
                    today_label_y=height - 2 - (LINE if clash else 0), target_label_y=height - 2,
                    bottom_y=height - 10, **_anchors(clash, today_x, x(target)))


def _anchors(clash: bool, today_x: float | None, target_x: float) -> dict:
    """Close lines: each label on the outer side of its line (today left of a target to its
    right), so neither label crosses the other line."""
    if clash and today_x < target_x:
        return {"today_anchor": "end", "target_anchor": "start"}
    return {"today_anchor": "start", "target_anchor": "end"}
