"""The parts of a definition that describe the work of a stage, as data: the diagnostic's
sources and dimensions, the calls for expressions of interest, the support workstreams
and the DUI's signature circuit. ``schema.Workflow`` holds them; crosscheck.py checks
that the decisions, stages and deadlines they name exist.
"""
from __future__ import annotations

from pydantic import Field, model_validator

from .schema_base import Frozen, Identifier, Text


class Item(Frozen):
    """Something with an id and a label in both languages (a source, a category...)."""

    id: str = Identifier
    label: Text


class Dimension(Frozen):
    """An axis of the quantitative diagnostic (age bracket, school level...) and its
    usual categories. Counts are stored per category, never per person."""

    id: str = Identifier
    label: Text
    categories: tuple[Item, ...] = ()


class DiagnosticSpec(Frozen):
    #: where the figures come from (registry, health unit, France Travail...)
    sources: tuple[Item, ...] = Field(min_length=1)
    dimensions: tuple[Dimension, ...] = ()
    #: initiatives already on the territory are mapped under these kinds
    initiative_kinds: tuple[Item, ...] = ()
    #: the decision the structure-type choice records
    structure_decision: str = Identifier
    #: counts under this threshold are shown and exported as "<threshold"
    suppress_below: int = Field(default=5, ge=2, le=50)


class Criterion(Item):
    weight: int = Field(default=1, ge=1, le=10)


class CallSpec(Frozen):
    """One kind of call (an AMI, a call for applications) and what its selection settles."""

    id: str = Identifier
    label: Text
    #: the stage whose work this call is
    stage: str = Identifier
    #: the decision the committee's selection records (text kind)
    selection_decision: str = Identifier
    #: the decision of kind date that publishing records, if any
    publication_decision: str | None = None
    #: the deadline that the answers window belongs to, if any (shown next to the call)
    answers_deadline: str | None = None
    #: an answer window shorter than this many days gets a warning
    min_answer_days: int = Field(default=61, ge=1, le=365)
    #: how many applications the selection may keep (None: as many as wanted)
    max_selected: int | None = Field(default=1, ge=1)
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    #: who receives the call by default (DDETS, ESS networks...)
    distribution: tuple[str, ...] = ()
    #: score range each committee member gives each criterion
    max_score: int = Field(default=5, ge=1, le=20)


class Signatory(Frozen):
    id: str = Identifier
    label: Text


class DuiSpec(Frozen):
    """The DUI (document unique d'instruction) and the order of its signatures."""

    signatories: tuple[Signatory, ...] = Field(min_length=1)
    #: the date decision the last signature records
    signed_decision: str = Identifier
    #: the planning deadline whose window the signature should fall in
    deadline: str | None = None


class Workstream(Item):
    checklist: tuple[Item, ...] = Field(min_length=1)


class SupportSpec(Frozen):
    workstreams: tuple[Workstream, ...] = ()
    dui: DuiSpec | None = None
    #: the date decision that confirms the opening
    opening_decision: str | None = None


class StageWork(Frozen):
    """Everything the stage-work features read from a definition."""

    diagnostic: DiagnosticSpec | None = None
    calls: tuple[CallSpec, ...] = ()
    support: SupportSpec | None = None
    #: budget line categories offered by default (free text is accepted too)
    budget_categories: tuple[Item, ...] = ()

    @model_validator(mode="after")
    def _unique_calls(self):
        ids = [c.id for c in self.calls]
        if len(ids) != len(set(ids)):
            raise ValueError("calls: a call id is used twice")
        return self

    def call(self, call_id: str) -> CallSpec:
        for c in self.calls:
            if c.id == call_id:
                return c
        raise KeyError(call_id)
