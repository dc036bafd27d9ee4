"""The shape of a workflow definition, as frozen pydantic models.

A definition file in workflows/ is validated into a ``Workflow``; unknown keys are
rejected everywhere. Cross-checks between parts (a gate naming a task that does not
exist, a deadline relative to an unknown date...) live in ``crosscheck.py``.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .schema_base import Frozen, Identifier, Text  # noqa: F401  (re-exported)
from .stage_work import StageWork
from .programme import AfterOpening  # noqa: E402  (after-opening indicators share the programmes' shape)


def later(default=None, **kwargs):
    """A key added after definitions were first stored: left out of a definition's
    fingerprint while it keeps its default, so that a file that does not use it keeps
    the fingerprint (and the version) it had (see ``loader.fingerprint``)."""
    return Field(default=default, json_schema_extra={"later": True}, **kwargs)


class Guidance(Frozen):
    """Guidance for the two audiences of the booklet: prison administration and ESS."""

    pa: Text
    ess: Text


class Months(Frozen):
    """A range of months. For a stage's duration, ``min``-``max`` is the usual range and
    ``hard_max`` the most it can last (the support stage "can reach a year"): past the usual
    range a site is at risk, past the hard maximum it is late (overdue reminders)."""

    min: int = Field(ge=0, le=120)
    max: int = Field(ge=0, le=120)
    hard_max: int | None = later(ge=0, le=120)

    @model_validator(mode="after")
    def _ordered(self):
        if self.max < self.min:
            raise ValueError(f"max: must be >= min ({self.min})")
        if self.hard_max is not None and self.hard_max < self.max:
            raise ValueError(f"hard_max: must be >= max ({self.max})")
        return self

    @property
    def most(self) -> int:
        """The hard maximum when given, else the usual maximum."""
        return self.hard_max if self.hard_max is not None else self.max


class Role(Frozen):
    id: str = Identifier
    label: Text


class Task(Frozen):
    id: str = Identifier
    label: Text
    role: str = Identifier
    help: Text | None = None
    #: the proof from the stage's work that meets this task (``name`` or ``name:argument``,
    #: the kinds are declared in setupflow/evidence.py ``KINDS``); such a task cannot be ticked
    #: by hand. Besides the stage work's (diagnostic, calls, support, budget), the records
    #: of the cooperation: ``committee_held_with_minutes:<committee id>`` (a meeting of it
    #: held, with attendance and minutes), ``team_file_has:<category>,<category>...`` (someone
    #: in the project from an organisation of each category of the vocabulary),
    #: ``project_note_written`` (every section of the project note has text)
    evidence: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*(:[a-z0-9_]+(,[a-z0-9_]+)*)?$",
                                 max_length=120)


class Gate(Frozen):
    tasks: tuple[str, ...] = ()
    decisions: tuple[str, ...] = ()


class Stage(Frozen):
    id: str = Identifier
    label: Text
    goal: Text
    duration: Months
    guidance: Guidance
    tasks: tuple[Task, ...] = ()
    gate: Gate = Gate()


class FinalState(Frozen):
    """The state a site reaches after its last stage. ``on_date`` names a decision of kind
    date (the confirmed opening): the site reaches the final state on that day or later,
    never before; the worker moves it on the day when its gate is met."""

    id: str = Identifier
    label: Text
    on_date: str | None = later(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)


class Choice(Frozen):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=40)
    label: Text


class DecisionKind(Frozen):
    """A decision a gate may need: a choice among values, free text, or a date.

    ``committee``: only a meeting of that committee may take it (when taken in a meeting);
    ``taken_in``: it is taken only in a held meeting of that committee;
    ``settled_by``: the work that records it (``setupflow.decision_rules.SETTLERS``), and
    no other way; ``stages``: the stages in which it may be taken (empty: any).
    """

    id: str = Identifier
    label: Text
    kind: Literal["choice", "text", "date"]
    choices: tuple[Choice, ...] = ()
    committee: str | None = None
    help: Text | None = None
    settled_by: str | None = later(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)
    taken_in: str | None = later(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)
    stages: tuple[str, ...] = later(())

    @model_validator(mode="after")
    def _choices_match_kind(self):
        if self.kind == "choice" and not self.choices:
            raise ValueError("choices: a decision of kind 'choice' needs at least one choice")
        if self.kind != "choice" and self.choices:
            raise ValueError(f"choices: only a decision of kind 'choice' has choices, not '{self.kind}'")
        return self


class Cadence(Frozen):
    """How often a committee meets.

    ``per_quarter``/``per_year``: how many meetings in each period; ``first_after_months``:
    the window of the first meeting after the start; ``intensify``: in the last
    ``months_before_opening`` months, one meeting every ``every_weeks`` weeks.
    """

    per_quarter: Months | None = None
    per_year: Months | None = None
    first_after_months: Months | None = None
    intensify_months_before_opening: int | None = Field(default=None, ge=1, le=24)
    intensify_every_weeks: int | None = Field(default=None, ge=1, le=26)
    preferred_weekday: int = Field(default=1, ge=0, le=4)
    preferred_time: str = Field(default="14:00", pattern=r"^\d\d:\d\d$")
    duration_minutes: int = Field(default=120, ge=15, le=600)

    @model_validator(mode="after")
    def _one_period(self):
        if (self.per_quarter is None) == (self.per_year is None):
            raise ValueError("cadence: give exactly one of per_quarter or per_year")
        if (self.intensify_months_before_opening is None) != (self.intensify_every_weeks is None):
            raise ValueError("cadence: intensify_months_before_opening and intensify_every_weeks go together")
        return self


class Committee(Frozen):
    id: str = Identifier
    label: Text
    purpose: Text
    members: tuple[str, ...] = ()
    cadence: Cadence
    invitation_weeks_ahead: int = Field(default=2, ge=0, le=26)
    standard_agenda: tuple[Text, ...] = ()


class Offset(Frozen):
    """A window in months relative to an anchor date: [anchor+earliest, anchor+latest]."""

    earliest: int = Field(ge=-120, le=120)
    latest: int = Field(ge=-120, le=120)

    @model_validator(mode="after")
    def _ordered(self):
        if self.latest < self.earliest:
            raise ValueError(f"latest: must be >= earliest ({self.earliest})")
        return self


class Deadline(Frozen):
    """A date window defined from another date.

    ``relative_to`` names ``start``, ``opening``, ``<stage>.start``, ``<stage>.end`` or a
    decision of kind date; ``estimate_from`` is used while that decision is not taken.
    ``done_by`` names the decision that meets the deadline.
    """

    id: str = Identifier
    label: Text
    relative_to: str
    estimate_from: str | None = None
    offset: Offset
    done_by: str | None = None
    stage: str | None = None


#: what a reminder rule watches; each has its anchor instant (see docs/reminders.md)
REMINDER_EVENTS = ("meeting_invitation", "meeting_agenda", "meeting_day_before", "minutes_missing",
                   "action_due", "action_overdue", "deadline_opens", "deadline_closing", "deadline_missed",
                   "stage_past_max")
MEETING_EVENTS = REMINDER_EVENTS[:4]
ACTION_EVENTS = ("action_due", "action_overdue")


class ReminderRule(Frozen):
    """When to remind whom of what, relative to an anchor of the watched event.

    ``days`` counts from the anchor's day (negative: before; working days when
    ``working_days``); the reminder is due that day at ``at`` (local time). For
    ``meeting_invitation`` a missing ``days`` means the committee's ``invitation_weeks_ahead``.
    ``to`` names recipients: ``invitees``, ``owner``, ``role:<meeting role>``,
    ``organisation:<organisation category>`` (active people of the site's team).
    """

    id: str = Identifier
    event: Literal[REMINDER_EVENTS]
    days: int | None = Field(default=None, ge=-400, le=400)
    working_days: bool = False
    at: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    repeat_every_days: int | None = Field(default=None, ge=1, le=366)
    to: tuple[str, ...] = Field(min_length=1)
    #: only meetings of these committees (empty: every committee)
    committees: tuple[str, ...] = ()
    #: the e-mail template in templates/emails/ (without language and extension)
    template: str = Identifier

    @field_validator("to")
    @classmethod
    def _recipients(cls, to):
        import re

        for i, spec in enumerate(to):
            if not re.fullmatch(r"invitees|owner|role:[a-z_]+|organisation:[a-z_]+", spec):
                raise ValueError(f"to[{i}]: '{spec}' is not one of invitees, owner, role:<role>, "
                                 "organisation:<category>")
        return to


class GlossaryEntry(Frozen):
    term: str = Field(min_length=1, max_length=20)
    expansion: Text
    explanation: Text


class Workflow(Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=60)
    version: int = Field(ge=1)
    title: Text
    description: Text
    roles: tuple[Role, ...] = Field(min_length=1)
    stages: tuple[Stage, ...] = Field(min_length=1)
    final: FinalState
    decisions: tuple[DecisionKind, ...] = ()
    committees: tuple[Committee, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    reminders: tuple[ReminderRule, ...] = ()
    glossary: tuple[GlossaryEntry, ...] = ()
    #: the work of the stages as data: diagnostic, calls, support, budget
    work: StageWork = StageWork()
    #: what the workshop reports once it reached the final state (see programme.AfterOpening)
    after_opening: "AfterOpening | None" = None

    @field_validator("stages")
    @classmethod
    def _unique_stage_ids(cls, stages):
        seen = set()
        for i, stage in enumerate(stages):
            if stage.id in seen:
                raise ValueError(f"stages[{i}].id: '{stage.id}' is used twice")
            seen.add(stage.id)
        return stages

    # -- look-ups used by the engine ---------------------------------------------------
    def stage(self, stage_id: str) -> Stage:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def state_label(self, state: str) -> Text:
        """The label of a state (a stage or the final state), in both languages; KeyError if unknown.
        The one place a site's current stage is named: the summary, the pages and the history use it."""
        return self.final.label if state == self.final.id else self.stage(state).label

    def stage_index(self, state: str) -> int:
        """Position of a state; the final state comes after every stage."""
        if state == self.final.id:
            return len(self.stages)
        return [s.id for s in self.stages].index(state)

    def next_state(self, stage_id: str) -> str:
        i = self.stage_index(stage_id)
        return self.stages[i + 1].id if i + 1 < len(self.stages) else self.final.id

    @property
    def state_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.stages) + (self.final.id,)

    def decision(self, key: str) -> DecisionKind:
        for d in self.decisions:
            if d.id == key:
                return d
        raise KeyError(key)

    def task(self, key: str) -> tuple[Stage, Task]:
        for stage in self.stages:
            for task in stage.tasks:
                if task.id == key:
                    return stage, task
        raise KeyError(key)

    def committee(self, committee_id: str) -> Committee:
        for c in self.committees:
            if c.id == committee_id:
                return c
        raise KeyError(committee_id)

    def deadline(self, deadline_id: str) -> Deadline:
        for d in self.deadlines:
            if d.id == deadline_id:
                return d
        raise KeyError(deadline_id)
