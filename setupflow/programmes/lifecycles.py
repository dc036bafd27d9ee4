"""The lifecycles of an edition and of an application, declared once as data.

Each is one shared ``transitions`` Machine (model=None, auto_transitions=False): a row is
the machine's model only for the duration of one trigger, like the stage machine of the
sites (setupflow/engine.py). Operations ask ``fire``; nothing here touches the database.
"""
from __future__ import annotations

from transitions import Machine, MachineError

#: draft -> call_open -> selection -> accompaniment -> closed
EDITION = {
    "states": ["draft", "call_open", "selection", "accompaniment", "closed"],
    "transitions": [
        {"trigger": "publish_call", "source": "draft", "dest": "call_open"},
        {"trigger": "close_call", "source": "call_open", "dest": "selection", "conditions": ["call_closed"]},
        {"trigger": "select", "source": "selection", "dest": "accompaniment", "conditions": ["meeting_held"]},
        {"trigger": "close", "source": "accompaniment", "dest": "closed"},
    ],
}

#: received -> full_file_requested -> full_file -> selected | declined
APPLICATION = {
    "states": ["received", "full_file_requested", "full_file", "selected", "declined"],
    "transitions": [
        {"trigger": "request_full_file", "source": "received", "dest": "full_file_requested",
         "conditions": ["has_next_step"]},
        {"trigger": "submit_full_file", "source": "full_file_requested", "dest": "full_file"},
        {"trigger": "select", "source": ["received", "full_file"], "dest": "selected", "conditions": ["at_last_step"]},
        {"trigger": "decline", "source": ["received", "full_file_requested", "full_file"], "dest": "declined"},
    ],
}


class _Subject:
    __slots__ = ("status",)

    def __init__(self, status: str):
        self.status = status


def _flag(name):
    return lambda event: bool(event.kwargs.get(name))


class Lifecycle:
    """One lifecycle: the states, the triggers, and guards read from the trigger's keywords."""

    def __init__(self, name: str, spec: dict):
        self.name = name
        self.states = tuple(spec["states"])
        transitions = []
        for t in spec["transitions"]:
            t = dict(t)
            t["conditions"] = [_flag(c) for c in t.get("conditions", ())]
            transitions.append(t)
        self.machine = Machine(model=None, states=list(self.states), transitions=transitions,
                               initial=self.states[0], auto_transitions=False, send_event=True,
                               model_attribute="status", ignore_invalid_triggers=False)

    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(self.machine.events)

    def next_state(self, status: str, trigger: str, **guards) -> str | None:
        """The state after ``trigger`` from ``status``, or None when the machine refuses."""
        subject = _Subject(status)
        try:
            moved = self.machine.events[trigger].trigger(subject, **guards)
        except (MachineError, KeyError):
            return None
        return subject.status if moved else None

    def allowed(self, status: str) -> tuple[str, ...]:
        return tuple(name for name, event in self.machine.events.items()
                     if any(status == source for source in event.transitions))


EDITIONS = Lifecycle("edition", EDITION)
APPLICATIONS = Lifecycle("application", APPLICATION)
