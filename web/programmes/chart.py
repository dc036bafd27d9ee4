"""A bar chart per indicator, computed here and drawn as SVG by the template (like the
timeline). A period whose count is screened ('<5', '*') gets no bar, only its label: the
table beside the chart says the same for screen readers."""
from __future__ import annotations

from dataclasses import dataclass

WIDTH = 480
HEIGHT = 160
TOP = 16
BOTTOM = 28
LEFT = 8


@dataclass(frozen=True)
class ChartBar:
    label: str
    shown: str
    x: float
    width: float
    y: float
    height: float
    drawn: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    bars: tuple[ChartBar, ...]


def bar_chart(points) -> Chart:
    """``points``: (period, value or None when screened, printed count)."""
    points = list(points)
    top = max([v for _, v, _ in points if v is not None] or [0]) or 1
    slot = (WIDTH - 2 * LEFT) / max(len(points), 1)
    usable = HEIGHT - TOP - BOTTOM
    bars = []
    for i, (label, value, shown) in enumerate(points):
        h = usable * (value or 0) / top if value is not None else 0
        bars.append(ChartBar(label=label, shown=shown, x=LEFT + i * slot + slot * 0.15, width=slot * 0.7,
                             y=TOP + usable - h, height=h, drawn=value is not None))
    return Chart(WIDTH, HEIGHT, TOP + usable, tuple(bars))
