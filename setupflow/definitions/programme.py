"""The shape of a programme definition (workflows/programmes/*.yaml), as frozen models.

A programme is not one site: a national body runs an edition (a yearly cohort, or a
multi-year round), a call in steps (expression of interest, then full file), a
selection committee of seats named by their quality, an accompaniment calendar for the
laureates together and one by one, the indicators the laureates report per period and
the outline of the review ("bilan") assembled from them. Everything here is data; the
engine knows no programme by name.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .schema_base import Frozen, Identifier, Text


def _unique(items, what: str):
    seen = set()
    for i, item in enumerate(items):
        if item.id in seen:
            raise ValueError(f"[{i}].id: '{item.id}' is used twice in {what}")
        seen.add(item.id)
    return items


class FormField(Frozen):
    """One question of a call step's form."""

    id: str = Identifier
    label: Text
    kind: Literal["text", "long_text", "number", "department", "file"] = "text"
    required: bool = True


class CallStep(Frozen):
    """One step of the call: its own window (days from the call's publication) and form.

    ``carry_over`` lists fields of earlier steps copied into this step's answers, so that
    nothing is typed twice."""

    id: str = Identifier
    label: Text
    opens_after_days: int = Field(default=0, ge=0, le=365)
    open_days: int = Field(ge=1, le=365)
    fields: tuple[FormField, ...] = Field(min_length=1)
    carry_over: tuple[str, ...] = ()

    @field_validator("fields")
    @classmethod
    def _unique_fields(cls, fields):
        return _unique(fields, "the step's fields")


class Criterion(Frozen):
    id: str = Identifier
    label: Text
    weight: int = Field(ge=0, le=10)


class ProgrammeCall(Frozen):
    label: Text
    steps: tuple[CallStep, ...] = Field(min_length=1, max_length=4)
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    max_score: int = Field(default=5, ge=1, le=20)
    max_selected: int | None = Field(default=None, ge=1, le=500)
    distribution: tuple[str, ...] = ()

    @field_validator("steps")
    @classmethod
    def _unique_steps(cls, steps):
        return _unique(steps, "the call's steps")

    @field_validator("criteria")
    @classmethod
    def _some_weight(cls, criteria):
        _unique(criteria, "the criteria")
        if not any(c.weight for c in criteria):
            raise ValueError("at least one criterion must weigh something")
        return criteria

    def step(self, step_id: str) -> CallStep:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)


class Seat(Frozen):
    """A seat of the selection committee, named by the quality of who sits in it."""

    id: str = Identifier
    quality: Text
    chairs: bool = False


class SelectionCommittee(Frozen):
    label: Text
    seats: tuple[Seat, ...] = Field(min_length=1)
    #: seats that must be present for the selection to be recorded
    quorum: int = Field(default=1, ge=1, le=50)

    @model_validator(mode="after")
    def _one_chair(self):
        _unique(self.seats, "the committee's seats")
        if sum(1 for s in self.seats if s.chairs) > 1:
            raise ValueError("seats: at most one seat chairs the committee")
        if self.quorum > len(self.seats):
            raise ValueError(f"quorum: {self.quorum} is more than the {len(self.seats)} seats")
        return self


class CollectiveDay(Frozen):
    id: str = Identifier
    theme: Text
    #: month of the accompaniment it falls in (1 = first month)
    month: int = Field(ge=1, le=60)


class Event(Frozen):
    """A collective time other than the thematic days: funders' event, closing, meeting the institutions."""

    id: str = Identifier
    label: Text
    kind: Literal["funders", "institutions", "peers", "closing"]
    month: int = Field(ge=1, le=60)


class CoDevelopment(Frozen):
    sessions: int = Field(ge=0, le=60)


class FollowUp(Frozen):
    """Each laureate's individual follow-up."""

    every_months: int = Field(ge=1, le=12)
    remote: bool = True
    #: a laureate that missed this many follow-ups in a row shows on the programme's page
    missed_alert: int = Field(default=2, ge=1, le=12)


class Accompaniment(Frozen):
    months: int = Field(ge=1, le=60)
    collective_days: tuple[CollectiveDay, ...] = ()
    co_development: CoDevelopment = CoDevelopment(sessions=0)
    follow_up: FollowUp | None = None
    events: tuple[Event, ...] = ()

    @model_validator(mode="after")
    def _within(self):
        _unique(self.collective_days, "the collective days")
        _unique(self.events, "the events")
        return self


class Indicator(Frozen):
    """A count the laureates report per period. ``about_people``: a count of people under
    justice, shown as '<5' below the programme's threshold wherever it is printed."""

    id: str = Identifier
    label: Text
    about_people: bool = False
    #: how the lines add up: a count is summed; an average (a length of stay) is averaged
    aggregate: Literal["sum", "mean"] = "sum"
    help: Text | None = None


class ReviewSection(Frozen):
    """A part of the review document: the figures, one line per laureate, or a text the staff write."""

    id: str = Identifier
    title: Text
    kind: Literal["figures", "laureates", "text"]
    #: for ``figures`` and ``laureates``: which indicators (empty: all)
    indicators: tuple[str, ...] = ()


class Editions(Frozen):
    #: yearly cohorts, or rounds of several years
    cadence: Literal["yearly", "multi_year"]
    years: int = Field(default=1, ge=1, le=10)
    #: how an edition is called (promotion, round, prize year)
    label: Text

    @model_validator(mode="after")
    def _years(self):
        if self.cadence == "yearly" and self.years != 1:
            raise ValueError("years: a yearly edition lasts one year")
        return self


class LaureateShape(Frozen):
    """What a laureate is: one or several organisations carrying one project."""

    organisations: int = Field(default=1, ge=1, le=10)
    has_path: bool = False
    has_parrains: bool = False


class Programme(Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=60)
    version: int = Field(ge=1)
    title: Text
    description: Text
    editions: Editions
    call: ProgrammeCall
    committee: SelectionCommittee
    accompaniment: Accompaniment
    laureates: LaureateShape = LaureateShape()
    #: reporting periods of the indicators
    period: Literal["month", "quarter", "half", "year"] = "quarter"
    indicators: tuple[Indicator, ...] = Field(min_length=1)
    suppress_below: int = Field(default=5, ge=2, le=50)
    review: tuple[ReviewSection, ...] = Field(min_length=1)

    @field_validator("indicators")
    @classmethod
    def _unique_indicators(cls, indicators):
        return _unique(indicators, "the indicators")

    @field_validator("review")
    @classmethod
    def _unique_sections(cls, review):
        return _unique(review, "the review")

    def indicator(self, indicator_id: str) -> Indicator:
        for i in self.indicators:
            if i.id == indicator_id:
                return i
        raise KeyError(indicator_id)


def crosscheck_programme(programme: Programme) -> list[tuple[tuple, str]]:
    """Problems between parts: (path, message), like ``crosscheck.crosscheck``."""
    problems = []
    indicator_ids = {i.id for i in programme.indicators}
    for s, section in enumerate(programme.review):
        if section.kind == "text" and section.indicators:
            problems.append((("review", s, "indicators"), "a text section names no indicators"))
        for k, key in enumerate(section.indicators):
            if key not in indicator_ids:
                problems.append((("review", s, "indicators", k),
                                 f"unknown indicator '{key}' (known: {', '.join(sorted(indicator_ids))})"))
    months = programme.accompaniment.months
    for part in ("collective_days", "events"):
        for i, item in enumerate(getattr(programme.accompaniment, part)):
            if item.month > months:
                problems.append((("accompaniment", part, i, "month"),
                                 f"'{item.id}' falls in month {item.month}, after the {months} months of "
                                 "accompaniment"))
    earlier: set[str] = set()
    for s, step in enumerate(programme.call.steps):
        for k, key in enumerate(step.carry_over):
            if key not in earlier:
                problems.append((("call", "steps", s, "carry_over", k),
                                 f"'{key}' is not a field of an earlier step"))
        earlier |= {f.id for f in step.fields}
    if programme.call.max_selected is not None and programme.call.max_selected < 1:
        problems.append((("call", "max_selected"), "must be at least 1"))
    return problems


class AfterOpening(Frozen):
    """A site's life after its final state: the aggregates its team reports each period, and
    when they are reminded to (``remind_days_after_period`` days after a period ends)."""

    period: Literal["month", "quarter", "half", "year"] = "quarter"
    suppress_below: int = Field(default=5, ge=2, le=50)
    indicators: tuple[Indicator, ...] = Field(min_length=1)
    remind_days_after_period: int = Field(default=10, ge=0, le=90)
    #: who is reminded: organisation categories of the site's team (``organisation:sponsor``...)
    remind: tuple[str, ...] = ()

    @field_validator("indicators")
    @classmethod
    def _unique_indicators(cls, indicators):
        return _unique(indicators, "the indicators")

    def indicator(self, indicator_id: str) -> Indicator:
        for i in self.indicators:
            if i.id == indicator_id:
                return i
        raise KeyError(indicator_id)
