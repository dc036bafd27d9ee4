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
from .errors import InputError

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


def evaluate_gate(workflow: Workflow, stage_id: str, met_tasks: set[str],
                  decisions: dict[str, str]) -> GateStatus:
    """Which conditions of ``stage_id``'s gate hold, given the tasks that are met (ticked,
    or proven by their evidence) and the current decision values by key."""
    if stage_id == workflow.final.id:
        return GateStatus(stage_id, ())
    stage = workflow.stage(stage_id)
    conditions = []
    for key in stage.gate.tasks:
        _, task = workflow.task(key)
        conditions.append(Condition("task", key, key in met_tasks, task.label, evidence=task.evidence))
    for key in stage.gate.decisions:
        kind = workflow.decision(key)
        value = decisions.get(key)
        met = value is not None and decision_value_error(kind, value) is None
        conditions.append(Condition("decision", key, met, kind.label, value))
    return GateStatus(stage_id, tuple(conditions))


class _Subject:
    """What the machine sees of a site during one trigger."""

    __slots__ = ("stage",)

    def __init__(self, stage: str):
        self.stage = stage


class StageMachine:
    """The transitions machine of one definition."""

    def __init__(self, workflow: Workflow):
        self.workflow = workflow
        states = list(workflow.state_ids)
        transitions = []
        for i, stage in enumerate(workflow.stages):
            transitions.append({"trigger": ADVANCE, "source": stage.id,
                                "dest": workflow.next_state(stage.id), "conditions": [self._gate_met]})
            later = states[i + 1:]
            transitions.append({"trigger": reopen_trigger(stage.id), "source": later, "dest": stage.id,
                                "conditions": [self._has_reason]})
        self.machine = Machine(model=None, states=states, transitions=transitions, initial=states[0],
                               auto_transitions=False, send_event=True, model_attribute="stage",
                               ignore_invalid_triggers=False)

    @staticmethod
    def _gate_met(event) -> bool:
        return event.kwargs["gate"].met

    @staticmethod
    def _has_reason(event) -> bool:
        return bool((event.kwargs.get("reason") or "").strip())

    def _fire(self, trigger: str, stage: str, **kwargs) -> str | None:
        subject = _Subject(stage)
        try:
            moved = self.machine.events[trigger].trigger(subject, **kwargs)
        except (MachineError, KeyError):
            return None
        return subject.stage if moved else None

    def next_after_advance(self, stage: str, gate: GateStatus) -> str | None:
        """The state the site moves to, or None when the machine refuses."""
        return self._fire(ADVANCE, stage, gate=gate)

    def reopened(self, stage: str, target: str, reason: str) -> str | None:
        if target not in [s.id for s in self.workflow.stages]:
            return None
        return self._fire(reopen_trigger(target), stage, reason=reason)

