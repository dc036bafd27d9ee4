"""Errors the engine raises; every message says what is wrong and where."""
from __future__ import annotations


class SetupflowError(Exception):
    """Base class: an expected refusal with a message meant for a person."""


class InputError(SetupflowError):
    """Bad input: a value that does not fit (the CLI exits 2)."""


class NotFound(SetupflowError):
    """No such object, or none the person may see."""


class NotAllowed(SetupflowError):
    """The person may not do this."""


class StaleEdit(SetupflowError):
    """The object changed since the version the edit was based on; nothing was saved."""


class GateNotMet(SetupflowError):
    """A site cannot leave its stage yet; ``conditions`` lists every unmet condition."""

    def __init__(self, stage: str, conditions):
        self.stage = stage
        self.conditions = tuple(conditions)
        missing = "; ".join(f"{c.kind} '{c.key}' ({c.label.en})" for c in self.conditions)
        super().__init__(f"site cannot leave '{stage}' yet, missing: {missing}")
