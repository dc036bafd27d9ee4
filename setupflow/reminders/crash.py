"""A test hook: make a worker die by SIGKILL at a named point of the sweep.

``SETUPFLOW_CRASH_AT=<point>[:<n>]`` (n = 1 by default) is read once, when a ``Worker`` is
created; the process then kills itself with SIGKILL the n-th time it reaches that point,
exactly as ``kill -9`` from outside would, but at a known place. Unset, ``reached`` is one
comparison with None. It exists for tests/reminders/test_sweep_crash_points.py; never set
it in production.
"""
from __future__ import annotations

import os
import signal

from ..errors import InputError

VARIABLE = "SETUPFLOW_CRASH_AT"

#: the points of a sweep, in the order one batch passes them
POINTS = (
    "before_claim",   # about to claim a batch: nothing of it is taken yet
    "after_claim",    # the claim is committed (rows ``sending`` under lease), nothing sent
    "after_accept",   # the SMTP server accepted a message, its row is not marked yet
    "after_mark",     # a batch of outcomes is committed (``sent``/``failed``/``dead``)
)

#: (point, n, times reached so far), or None: the hook is inert
_armed: list | None = None


def parse(value: str) -> tuple[str, int]:
    point, _, count = value.strip().partition(":")
    if point not in POINTS:
        raise InputError(code="crash.point_unknown", field=VARIABLE, value=point, allowed=list(POINTS))
    if count and not (count.isdecimal() and int(count) >= 1):
        raise InputError(code="crash.count_invalid", field=VARIABLE, value=count, point=point)
    return point, int(count or 1)


def arm_from_env(environ=os.environ) -> None:
    """Read ``SETUPFLOW_CRASH_AT`` (once per worker); unset or empty disarms the hook."""
    global _armed
    value = environ.get(VARIABLE, "")
    _armed = [*parse(value), 0] if value.strip() else None


def reached(point: str) -> None:
    """The sweep passes ``point``: die here if this is the armed point's n-th time."""
    if _armed is None or _armed[0] != point:
        return
    _armed[2] += 1
    if _armed[2] == _armed[1]:
        os.kill(os.getpid(), signal.SIGKILL)
