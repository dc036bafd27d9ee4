"""Retro-planning: stage windows backward from an opening date, forward from a start.

With a minimum and a maximum duration per stage, every boundary is a window
{earliest, latest}, and so is every deadline. Months are calendar months: one month
after 31 January is the last day of February.
"""
from __future__ import annotations

from calendar import isleap
from dataclasses import dataclass
from datetime import date


from .definitions.schema import Deadline, Workflow


@dataclass(frozen=True)
class Window:
    earliest: date
    latest: date

    @classmethod
    def exactly(cls, day: date) -> "Window":
        return cls(day, day)

    def shift(self, earliest_months: int, latest_months: int) -> "Window":
        return Window(add_months(self.earliest, earliest_months), add_months(self.latest, latest_months))

    def contains(self, day: date) -> bool:
        return self.earliest <= day <= self.latest

    def as_dict(self) -> dict:
        return {"earliest": self.earliest.isoformat(), "latest": self.latest.isoformat()}


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clipped to the end of a shorter month (as
    dateutil's relativedelta does, ~10x faster: the portfolio calls it for every site)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = 29 if month == 2 and isleap(year) else _MONTH_DAYS[month - 1]
    return day.replace(year=year, month=month, day=min(day.day, last))


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True)
class StagePlan:
    stage_id: str
    start: Window
    end: Window

    def as_dict(self) -> dict:
        return {"id": self.stage_id, "start": self.start.as_dict(), "end": self.end.as_dict()}


@dataclass(frozen=True)
class DeadlinePlan:
    deadline: Deadline
    window: Window
    is_estimate: bool
    #: the date it was met, when its ``done_by`` decision is taken
    done_on: date | None = None

    def as_dict(self) -> dict:
        out = {"id": self.deadline.id, **self.window.as_dict(), "estimate": self.is_estimate}
        out["done_on"] = self.done_on.isoformat() if self.done_on else None
        return out


@dataclass(frozen=True)
class Plan:
    stages: tuple[StagePlan, ...]
    deadlines: tuple[DeadlinePlan, ...]

    @property
    def opening(self) -> Window:
        return self.stages[-1].end

    @property
    def start(self) -> Window:
        return self.stages[0].start

    def stage(self, stage_id: str) -> StagePlan:
        return next(s for s in self.stages if s.stage_id == stage_id)

    def as_dict(self) -> dict:
        return {"stages": [s.as_dict() for s in self.stages],
                "deadlines": [d.as_dict() for d in self.deadlines],
                "opening": self.opening.as_dict(), "start": self.start.as_dict()}


def backward(workflow: Workflow, opening: date, dated: dict[str, date] | None = None) -> Plan:
    """Plan from the target opening date: the last stage ends on it, each earlier stage
    ends where the next begins."""
    stages: list[StagePlan] = []
    end = Window.exactly(opening)
    for stage in reversed(workflow.stages):
        start = Window(add_months(end.earliest, -stage.duration.max), add_months(end.latest, -stage.duration.min))
        stages.append(StagePlan(stage.id, start, end))
        end = start
    stages.reverse()
    return _with_deadlines(workflow, tuple(stages), dated or {})


def forward(workflow: Workflow, start: date, dated: dict[str, date] | None = None) -> Plan:
    """Plan from a start date: the earliest and latest opening follow."""
    return _forward_from(workflow, 0, Window.exactly(start), dated or {})


def _forward_from(workflow: Workflow, first: int, start: Window, dated: dict[str, date],
                  done: tuple[StagePlan, ...] = ()) -> Plan:
    stages = list(done)
    for stage in workflow.stages[first:]:
        end = Window(add_months(start.earliest, stage.duration.min), add_months(start.latest, stage.duration.max))
        stages.append(StagePlan(stage.id, start, end))
        start = end
    return _with_deadlines(workflow, tuple(stages), dated)


@dataclass(frozen=True)
class Progress:
    """Where a site in progress stands against its plan."""

    plan: Plan
    #: the days spent in the current stage so far
    days_in_stage: int
    #: True when the site has been in its stage longer than the stage's maximum
    is_past_max: bool
    #: the day the current stage reaches its maximum duration
    stage_due_on: date | None
    #: True when the site has been in its stage longer than its hard maximum (the usual
    #: maximum when the definition gives none): it is then overdue, not only at risk
    is_past_hard_max: bool = False
    #: the day the current stage reaches its hard maximum (overdue reminders from then)
    stage_overdue_on: date | None = None


def forecast(workflow: Workflow, stage_id: str, entered_on: date, today: date,
             history: dict[str, tuple[date, date]] | None = None,
             dated: dict[str, date] | None = None) -> Progress:
    """Forecast from the stage a site is in and when it entered it.

    ``history`` gives the actual (start, end) of the stages already done.
    """
    dated = dated or {}
    history = history or {}
    if stage_id == workflow.final.id:
        done = tuple(StagePlan(s.id, Window.exactly(history.get(s.id, (entered_on, entered_on))[0]),
                               Window.exactly(history.get(s.id, (entered_on, entered_on))[1]))
                     for s in workflow.stages)
        return Progress(_with_deadlines(workflow, done, dated), max(0, (today - entered_on).days), False, None)
    index = workflow.stage_index(stage_id)
    done = tuple(StagePlan(s.id, Window.exactly(history[s.id][0]), Window.exactly(history[s.id][1]))
                 for s in workflow.stages[:index] if s.id in history)
    stage = workflow.stages[index]
    min_end = add_months(entered_on, stage.duration.min)
    max_end = add_months(entered_on, stage.duration.max)
    # a stage not yet finished cannot end before today
    end = Window(max(min_end, today), max(max_end, today))
    current = StagePlan(stage.id, Window.exactly(entered_on), end)
    plan = _forward_from(workflow, index + 1, end, dated, done + (current,))
    hard_end = add_months(entered_on, stage.duration.most)
    return Progress(plan, max(0, (today - entered_on).days), today > max_end, max_end, today > hard_end, hard_end)


def _anchor_window(name: str, stages: tuple[StagePlan, ...], dated: dict[str, date]) -> Window | None:
    if name in dated:
        return Window.exactly(dated[name])
    if name == "start":
        return stages[0].start
    if name == "opening":
        return stages[-1].end
    stage_id, _, edge = name.rpartition(".")
    for sp in stages:
        if sp.stage_id == stage_id:
            return sp.start if edge == "start" else sp.end
    return None


#: a key of the dated values that fixes a deadline's day (``deadline:<id>``): the
#: definition's window is then only what was forecast before, e.g. a call's answers
#: deadline is its closing date once it is published
DEADLINE_FIXED = "deadline:"


def _with_deadlines(workflow: Workflow, stages: tuple[StagePlan, ...], dated: dict[str, date]) -> Plan:
    deadlines = []
    for deadline in workflow.deadlines:
        is_estimate = False
        fixed = dated.get(DEADLINE_FIXED + deadline.id)
        if fixed is not None:
            done_on = dated.get(deadline.done_by) if deadline.done_by else None
            deadlines.append(DeadlinePlan(deadline, Window.exactly(fixed), False, done_on))
            continue
        anchor = _anchor_window(deadline.relative_to, stages, dated)
        if anchor is None and deadline.estimate_from:
            anchor = _anchor_window(deadline.estimate_from, stages, dated)
            is_estimate = True
        if anchor is None:
            continue
        window = anchor.shift(deadline.offset.earliest, deadline.offset.latest)
        done_on = dated.get(deadline.done_by) if deadline.done_by else None
        deadlines.append(DeadlinePlan(deadline, window, is_estimate, done_on))
    return Plan(stages, tuple(deadlines))
