"""``with refused("call.title_required", field="title"):`` asserts a structured refusal: its kind,
code and field (and, given, some of its params), never the wording of its message."""
from __future__ import annotations

from contextlib import contextmanager

import pytest

from setupflow.errors import InputError


@contextmanager
def refused(code: str, field: str | None = None, error: type = InputError, **params):
    with pytest.raises(error) as exc:
        yield exc
    assert exc.value.code == code, f"refused with {exc.value.code!r} ({exc.value}), expected {code!r}"
    if field is not None:
        assert exc.value.field == field, f"{code} about {exc.value.field!r}, expected {field!r}"
    for name, value in params.items():
        assert exc.value.params.get(name) == value, f"{code}: {name}={exc.value.params.get(name)!r}, expected {value!r}"
