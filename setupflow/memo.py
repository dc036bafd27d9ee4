"""A bounded memo for pure computations.

The key must hold *every* input of the computation (for a definition: its snapshot key,
never a name), so a hit returns exactly what computing again would. Nothing that reads
the database or the clock is memoised: the caller passes the day in the key.
"""
from __future__ import annotations

from threading import Lock
from typing import Any, Callable, Hashable


class Memo:
    """At most ``size`` results; the oldest goes first when full. Safe across threads
    (``setupflow serve`` runs waitress threads): only the insertion takes a lock."""

    def __init__(self, size: int):
        self.size = size
        self.found: dict[Hashable, Any] = {}
        self.hits = self.misses = 0
        self._lock = Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        try:
            value = self.found[key]
        except KeyError:
            self.misses += 1
            value = compute()
            with self._lock:
                while len(self.found) >= self.size:
                    self.found.pop(next(iter(self.found)), None)
                self.found[key] = value
            return value
        self.hits += 1
        return value

    def clear(self) -> None:
        self.found.clear()
        self.hits = self.misses = 0
