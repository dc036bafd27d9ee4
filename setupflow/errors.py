"""Errors the engine raises; every message says what is wrong and where.

A refusal is data: ``code`` names the message template in ``setupflow.refusals`` (English
text, translated by each face), ``field`` says which input it is about (a form field, a CLI
option, an import column), ``params`` fill the template. ``str(exc)`` is the English text
``"field: message"`` the CLI prints; the web renders the same code in the reader's language
(``web.problems.explain``). Nothing may match the text of a message to decide anything.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class SetupflowError(Exception):
    """Base class: an expected refusal with a message meant for a person."""

    code: str | None = None
    field: str | None = None
    params: Mapping[str, Any] = {}

    def __init__(self, message: str | None = None, *, code: str | None = None, field: str | None = None,
                 **params: Any):
        if code is not None:
            from .refusals import english

            self.code, self.field, self.params = code, field, params
            text = english(code, params)
            message = f"{field}: {text}" if field else text
        super().__init__(message)


class InputError(SetupflowError):
    """Bad input: a value that does not fit (the CLI exits 2)."""


class NotFound(SetupflowError):
    """No such object, or none the person may see."""


class NotAllowed(SetupflowError):
    """The person may not do this."""


class StaleEdit(SetupflowError):
    """The object changed since the version the edit was based on; nothing was saved."""


class Advice(SetupflowError):
    """Not a refusal: advice an operation returns (never raises) with its result, rendered like one
    (a short answer window on a call's publication...)."""


class GateNotMet(SetupflowError):
    """A site cannot leave its stage yet; ``conditions`` lists every unmet condition."""

    def __init__(self, stage: str, conditions):
        self.stage = stage
        self.conditions = tuple(conditions)
        super().__init__(code="stage.gate_not_met", field="stage", stage=stage,
                         missing=[c.label for c in self.conditions], keys=[c.key for c in self.conditions])
