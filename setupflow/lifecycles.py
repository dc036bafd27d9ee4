"""The lifecycles of meetings, action items, reminders, calls and the DUI circuit, declared
once as data (``lifecycles.yaml`` beside this module) and run by ``transitions``.

The file is loaded and checked at import into frozen models (a problem says its file and
line); each lifecycle gets one shared ``transitions.Machine`` (``model=None``,
``auto_transitions=False``) whose model is a record only for the duration of one trigger,
as the stage machine of the sites does (``engine.py``). A feature binds what only it
knows: its guards (``name -> predicate(record, **kwargs)``), its history callback
(``history(record, action, **kwargs)``, called after the record moved) and the params of
its refusals. An operation then says ``MEETINGS.fire(meeting, "confirm", session=...,
actor=..., now=...)``: the machine refuses (``InputError`` with the lifecycle's code, the
record's state and the attempted action as params), or writes the new state on the
record and records the history the transition names.

Nothing here touches the database; the features' operations do, in their transaction.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, RootModel, field_validator, model_validator
from transitions import Machine, MachineError

from .definitions.loader import parse_yaml, validate
from .definitions.schema_base import Frozen, Identifier
from .errors import InputError
from .refusals import MESSAGES, Term

FILE = Path(__file__).with_name("lifecycles.yaml")


class GuardSpec(Frozen):
    #: the refusal code when it does not hold (None: it only chooses between transitions)
    refusal: str | None = None
    #: the input the refusal is about (the lifecycle's record by default)
    field: str | None = None


class TransitionSpec(Frozen):
    trigger: str = Identifier
    source: tuple[str, ...] = Field(min_length=1)
    #: None: the state does not change (the action is allowed in ``source`` only)
    dest: str | None = None
    guards: tuple[str, ...] = ()
    refusal: str | None = None
    #: the input that refusal is about (the lifecycle's record by default)
    field: str | None = None
    history: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$", max_length=60)

    @field_validator("source", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        return [value] if isinstance(value, str) else value


class LifecycleSpec(Frozen):
    #: the record's attribute that stores the state; None when it is read from the records
    column: str | None = None
    #: the prefix of the catalogue's phrases for the states and actions (``<terms>.status.<state>``)
    terms: str = Identifier
    states: tuple[str, ...] = Field(min_length=1)
    refusal: str
    guards: dict[str, GuardSpec | None] = Field(default_factory=dict)
    transitions: tuple[TransitionSpec, ...] = Field(min_length=1)

    @field_validator("guards", mode="before")
    @classmethod
    def _guard_codes(cls, value):
        return {name: {"refusal": spec} if isinstance(spec, str) else spec for name, spec in (value or {}).items()}

    @model_validator(mode="after")
    def _consistent(self):
        if len(set(self.states)) != len(self.states):
            raise ValueError(f"states: a state is listed twice in {list(self.states)}")
        codes = [self.refusal] + [g.refusal for g in self.guards.values() if g and g.refusal]
        for i, t in enumerate(self.transitions):
            for state in t.source + ((t.dest,) if t.dest else ()):
                if state not in self.states:
                    raise ValueError(f"transitions[{i}] ({t.trigger}): '{state}' is not one of the states "
                                     f"{list(self.states)}")
            for guard in t.guards:
                if guard not in self.guards:
                    raise ValueError(f"transitions[{i}] ({t.trigger}): guard '{guard}' is not declared in guards")
            codes += [t.refusal] if t.refusal else []
        for code in codes:
            if code not in MESSAGES:
                raise ValueError(f"refusal '{code}' is not in the catalogue (setupflow/refusals.py)")
        for term in [f"{self.terms}.status.{s}" for s in self.states] + \
                [f"{self.terms}.action.{t.trigger}" for t in self.transitions]:
            if term not in MESSAGES:
                raise ValueError(f"the catalogue (setupflow/refusals.py) has no phrase '{term}'")
        return self

    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.trigger for t in self.transitions))


class LifecyclesFile(RootModel[dict[str, LifecycleSpec]]):
    model_config = ConfigDict(frozen=True)


def load(path: Path = FILE) -> dict[str, LifecycleSpec]:
    """Every lifecycle of ``path``, checked; ``DefinitionError`` says the file and line of a problem."""
    data, lines = parse_yaml(path.read_text(encoding="utf-8"), str(path), what="a file of lifecycles")
    return dict(validate(LifecyclesFile, data, lines).root)


class _Subject:
    """What the machine sees of a record during one trigger."""

    __slots__ = ("record", "refusal", "state")

    def __init__(self, record, state: str):
        self.record, self.state, self.refusal = record, state, None


class Lifecycle:
    """One lifecycle's shared machine, and what a feature binds to it."""

    def __init__(self, name: str, spec: LifecycleSpec):
        self.name, self.spec = name, spec
        self._guards: dict[str, Callable[..., bool]] = {}
        self._history: Callable[..., Any] | None = None
        self._params: Callable[[Any], dict] = lambda record: {}
        self._state_of: Callable[..., str] | None = None
        transitions = []
        for t in spec.transitions:
            transitions.append({
                "trigger": t.trigger, "source": list(t.source), "dest": t.dest,
                "conditions": [self._guard(g) for g in t.guards],
                "after": [self._moved(t)]})
        self.machine = Machine(model=None, states=list(spec.states), transitions=transitions,
                               initial=spec.states[0], auto_transitions=False, send_event=True,
                               model_attribute="state", ignore_invalid_triggers=False)

    # -- what a feature binds ---------------------------------------------------------------
    def bind(self, *, guards: dict[str, Callable[..., bool]] | None = None,
             history: Callable[..., Any] | None = None, params: Callable[[Any], dict] | None = None,
             state_of: Callable[..., str] | None = None) -> Lifecycle:
        """Attach a feature's guards, history callback, refusal params and, for a state not
        stored in one column, how to read it (``state_of(record, **kwargs)``)."""
        self._guards.update(guards or {})
        missing = set(self.spec.guards) - set(self._guards)
        if guards is not None and missing:
            raise ValueError(f"lifecycle {self.name}: no predicate for the guards {sorted(missing)}")
        if history is not None:
            self._history = history
        if params is not None:
            self._params = params
        if state_of is not None:
            self._state_of = state_of
        return self

    # -- reading --------------------------------------------------------------------------------
    @property
    def states(self) -> tuple[str, ...]:
        return self.spec.states

    @property
    def triggers(self) -> tuple[str, ...]:
        return self.spec.triggers

    def sources(self, trigger: str) -> tuple[str, ...]:
        """The states ``trigger`` may be fired from (guards aside)."""
        return tuple(dict.fromkeys(s for t in self.spec.transitions if t.trigger == trigger for s in t.source))

    def destinations(self, trigger: str) -> tuple[str, ...]:
        """The states ``trigger`` may lead to."""
        return tuple(dict.fromkeys(t.dest for t in self.spec.transitions if t.trigger == trigger and t.dest))

    def allowed(self, state: str) -> tuple[str, ...]:
        """The actions the state allows (guards aside), in the order of the file."""
        return tuple(t for t in self.triggers if state in self.sources(t))

    def state_of(self, record, **kwargs) -> str:
        if self._state_of is not None:
            return self._state_of(record, **kwargs)
        return getattr(record, self.spec.column)

    def check(self, record, trigger: str, **kwargs) -> None:
        """Refuse (``InputError``) what ``fire`` would refuse, changing nothing: an operation checks
        first when it changes the record before it fires (so that a refusal leaves it untouched)."""
        self.fire(record, trigger, _dry=True, **kwargs)

    def may(self, record, trigger: str, **kwargs) -> bool:
        """Whether ``trigger`` is allowed now (its guards included), without changing anything."""
        try:
            self.fire(record, trigger, _dry=True, **kwargs)
        except InputError:
            return False
        return True

    # -- acting ----------------------------------------------------------------------------------
    def fire(self, record, trigger: str, **kwargs) -> str:
        """Move ``record`` by ``trigger``: its new state (written in its column), with the
        history the transition names recorded; ``InputError`` when the state or a guard
        does not allow it. ``kwargs`` go to the guards and the history callback."""
        state = self.state_of(record, **kwargs)
        subject = _Subject(record, state)
        try:
            moved = self.machine.events[trigger].trigger(subject, **kwargs)
        except MachineError:
            moved = False
        except KeyError:
            raise ValueError(f"lifecycle {self.name} has no action '{trigger}'") from None
        if not moved:
            raise self._refusal(record, state, trigger, subject.refusal)
        return subject.state

    def _refusal(self, record, state: str, trigger: str, guard: str | None) -> InputError:
        params = {**self._params(record), "state": Term(f"{self.spec.terms}.status.{state}"),
                  "action": Term(f"{self.spec.terms}.action.{trigger}")}
        params["status"] = params["state"]
        field = params.pop("field", self.name)
        if guard is not None:
            spec = self.spec.guards[guard]
            return InputError(code=spec.refusal, field=spec.field or field, **params)
        spec = next((t for t in self.spec.transitions if t.trigger == trigger and t.refusal), None)
        if spec is None:
            return InputError(code=self.spec.refusal, field=field, **params)
        return InputError(code=spec.refusal, field=spec.field or field, **params)

    def _guard(self, name: str):
        spec = self.spec.guards[name]

        def condition(event) -> bool:
            kwargs = {k: v for k, v in event.kwargs.items() if k != "_dry"}
            if self._guards[name](event.model.record, **kwargs):
                return True
            if spec is not None and event.model.refusal is None:
                event.model.refusal = name  # the first guard that refuses says why
            return False
        return condition

    def _moved(self, transition: TransitionSpec):
        def after(event) -> None:
            if event.kwargs.get("_dry"):
                return
            record = event.model.record
            if transition.dest is not None and self.spec.column is not None:
                setattr(record, self.spec.column, transition.dest)
            if transition.history and self._history is not None:
                self._history(record, transition.history, **event.kwargs)
        return after


def _build() -> dict[str, Lifecycle]:
    return {name: Lifecycle(name, spec) for name, spec in load().items()}


LIFECYCLES = _build()
MEETINGS = LIFECYCLES["meeting"]
PROGRAMME_MEETINGS = LIFECYCLES["programme_meeting"]
ACTION_ITEMS = LIFECYCLES["action_item"]
REMINDERS = LIFECYCLES["reminder"]
CALLS = LIFECYCLES["call"]
DUI = LIFECYCLES["dui"]
