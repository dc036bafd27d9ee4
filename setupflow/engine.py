"""The stage machine: one ``transitions`` machine per workflow definition, shared by
every site that runs on it, with guards read from the definition's gates.

A site is the machine's model only for the duration of a trigger; the machine holds
no per-site object. Nothing here touches the database: ``sites.operations`` loads the
site, asks the machine, and writes the change and its history in one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from transitions import Machine, MachineError

from .definitions.schema import DecisionKind, Text, Workflow
from .errors import GateNotMet, InputError

ADVANCE = "advance"


def reopen_trigger(stage_id: str) -> str:
    return f"reopen_to_{stage_id}"


@dataclass(frozen=True)
class Condition:
    """One condition of a gate: a task done, or a decision taken."""

    kind: str  # "task" | "decision"
    key: str
    met: bool
    label: Text
    #: the decision's current value, when it is a decision that is taken
    value: str | None = None
    #: for a task met by the work itself, the evidence that meets it
    evidence: str | None = None

    def as_dict(self, lang: str = "en") -> dict:
        return {"kind": self.kind, "key": self.key, "met": self.met, "label": self.label.get(lang),
                "value": self.value, "evidence": self.evidence}


@dataclass(frozen=True)
class GateStatus:
    stage: str
    conditions: tuple[Condition, ...]

    @property
    def met(self) -> bool:
        return all(c.met for c in self.conditions)

    @property
    def unmet(self) -> tuple[Condition, ...]:
        return tuple(c for c in self.conditions if not c.met)

    def as_dict(self, lang: str = "en") -> dict:
        return {"stage": self.stage, "met": self.met, "conditions": [c.as_dict(lang) for c in self.conditions]}


def decision_value_error(kind: DecisionKind, value: str) -> InputError | None:
    """The refusal of ``value`` for a gate decision (to raise), or None when it is valid."""
    value = (value or "").strip()
    if not value:
        return InputError(code="decision.value_required", field="value", decision=kind.id)
    if kind.kind == "choice":
        allowed = [c.id for c in kind.choices]
        if value not in allowed:
            return InputError(code="decision.value_not_a_choice", field="value", decision=kind.id, value=value,
                              allowed=allowed)
    elif kind.kind == "date":
        from .inputs import day

        try:
            day(value, "value")
        except InputError as exc:
            return exc
    return None


def final_state_day(workflow: Workflow, decisions: dict[str, str]) -> date | None:
    """The day from which a site may reach the final state (``final.on_date``'s decision),
    or None when the definition names no such date or it is not decided."""
    key = workflow.final.on_date
    if key is None or not decisions.get(key):
        return None
    try:
        return date.fromisoformat(decisions[key])
    except ValueError:
        return None


@dataclass(frozen=True)
class GateInputs:
    """What a gate is checked against: the tasks that are met (ticked, or proven by their
    evidence) and the current decision values by key."""

    met_tasks: frozenset[str] | set[str]
    decisions: dict[str, str]


class Requirement:
    """One condition of a stage's gate, declared from the definition (a task to be met, a
    decision to be taken with a valid value): the stage machine's guard on the advance out of
    the stage, and the same check that tells a person what is missing."""

    __slots__ = ("decision", "evidence", "key", "kind", "label")

    def __init__(self, workflow: Workflow, kind: str, key: str):
        self.kind, self.key = kind, key
        if kind == "task":
            task = workflow.task(key)[1]
            self.label, self.evidence, self.decision = task.label, task.evidence, None
        else:
            self.decision = workflow.decision(key)
            self.label, self.evidence = self.decision.label, None

    def holds(self, inputs: GateInputs) -> bool:
        if self.kind == "task":
            return self.key in inputs.met_tasks
        value = inputs.decisions.get(self.key)
        return value is not None and decision_value_error(self.decision, value) is None

    def __call__(self, event) -> bool:  # as a transitions condition
        return self.holds(event.kwargs["inputs"])

    def condition(self, inputs: GateInputs) -> Condition:
        value = inputs.decisions.get(self.key) if self.kind == "decision" else None
        return Condition(self.kind, self.key, self.holds(inputs), self.label, value, self.evidence)


def requirements(workflow: Workflow, stage_id: str) -> tuple[Requirement, ...]:
    """The conditions of ``stage_id``'s gate, tasks first, in the definition's order (none for
    the final state)."""
    if stage_id == workflow.final.id:
        return ()
    gate = workflow.stage(stage_id).gate
    return tuple([Requirement(workflow, "task", k) for k in gate.tasks] +
                 [Requirement(workflow, "decision", k) for k in gate.decisions])


def evaluate_gate(workflow: Workflow, stage_id: str, met_tasks: set[str],
                  decisions: dict[str, str]) -> GateStatus:
    """Which conditions of ``stage_id``'s gate hold, given the tasks that are met (ticked,
    or proven by their evidence) and the current decision values by key."""
    inputs = GateInputs(met_tasks, decisions)
    return GateStatus(stage_id, tuple(r.condition(inputs) for r in requirements(workflow, stage_id)))


class _Subject:
    """What the machine sees of a site during one trigger."""

    __slots__ = ("stage",)

    def __init__(self, stage: str):
        self.stage = stage


class StageMachine:
    """The transitions machine of one definition. Advancing out of a stage is guarded by
    the conditions of its gate, declared from the definition (``Requirement``); reopening
    a stage is allowed from any later state. A trigger the machine refuses raises the
    structured refusal: ``GateNotMet`` with the unmet conditions, ``site.final`` (nothing
    after the final state), ``site.reopen_not_before`` (reopening a stage not before the
    current one), ``choice.invalid`` (reopening what is not a stage)."""

    def __init__(self, workflow: Workflow):
        self.workflow = workflow
        states = list(workflow.state_ids)
        self.gates = {s: requirements(workflow, s) for s in states}
        transitions = []
        for i, stage in enumerate(workflow.stages):
            transitions.append({"trigger": ADVANCE, "source": stage.id, "dest": workflow.next_state(stage.id),
                                "conditions": list(self.gates[stage.id])})
            transitions.append({"trigger": reopen_trigger(stage.id), "source": states[i + 1:], "dest": stage.id})
        self.machine = Machine(model=None, states=states, transitions=transitions, initial=states[0],
                               auto_transitions=False, send_event=True, model_attribute="stage",
                               ignore_invalid_triggers=False)

    def gate(self, stage: str, inputs: GateInputs) -> GateStatus:
        """The gate of ``stage``: its conditions as the machine checks them."""
        return GateStatus(stage, tuple(r.condition(inputs) for r in self.gates[stage]))

    def advance(self, stage: str, inputs: GateInputs, site=None) -> str:
        """The state a site (id ``site``) in ``stage`` moves to when it advances with ``inputs``."""
        subject = _Subject(stage)
        try:
            moved = self.machine.events[ADVANCE].trigger(subject, inputs=inputs)
        except MachineError as exc:
            raise InputError(code="site.final", field="stage", site=site, stage=stage) from exc
        if not moved:
            raise GateNotMet(stage, self.gate(stage, inputs).unmet)
        return subject.stage

    def reopen(self, stage: str, target: str) -> str:
        """The state a site in ``stage`` moves to when ``target`` is reopened."""
        event = self.machine.events.get(reopen_trigger(target))
        if event is None:
            raise InputError(code="choice.invalid", field="stage", value=target,
                             allowed=[s.id for s in self.workflow.stages])
        subject = _Subject(stage)
        try:
            event.trigger(subject)
        except MachineError as exc:
            raise InputError(code="site.reopen_not_before", field="stage", stage=target, current=stage) from exc
        return subject.stage
