"""A bounded memo for pure computations, on ``cachetools``.

The key must hold *every* input of the computation (for a definition: its snapshot key,
never a name), so a hit returns exactly what computing again would. Nothing that reads
the database or the clock is memoised: the caller passes the day in the key.
"""
from __future__ import annotations

from threading import Lock
from typing import Any, Callable, Hashable

from cachetools import FIFOCache


class Memo:
    """At most ``size`` results; the oldest goes first when full (a FIFO cache: a hit
    reorders nothing, so reading needs no lock). Safe across threads (``setupflow
    serve`` runs waitress threads): only the insertion takes a lock."""

    def __init__(self, size: int):
        self.size = size
        self.results: FIFOCache = FIFOCache(maxsize=size)
        self._lock = Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        try:
            return self.results[key]
        except KeyError:
            value = compute()
            with self._lock:
                self.results[key] = value
            return value

    def clear(self) -> None:
        with self._lock:
            self.results.clear()
