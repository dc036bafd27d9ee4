"""Each site's part of the calendar feeds, kept in memory as written, with its version.

A site's part (its meetings and deadlines in one language) is written again only when
its version changed: a feed of 2,000 sites in which one site changed writes that one.
The version (``feeds.open_feed``) holds every input of the text: a part found under an
older version is never served. Parts are kept per database (the engine's URL), site and
language, within ``LIMIT`` bytes, the least recently used going first; per process, so
each server worker has its own. Nothing is written to the database.
"""
from __future__ import annotations

from collections import OrderedDict
from threading import Lock

#: the memory the kept parts may take, in bytes (a 2,000-site feed is about 13 MB)
LIMIT = 64 * 1024 * 1024

_parts: OrderedDict[tuple, tuple[object, bytes]] = OrderedDict()
_size = 0
_lock = Lock()


def get(key: tuple, version) -> bytes | None:
    """The part kept under ``key`` if it was written at ``version``, else None."""
    with _lock:
        found = _parts.get(key)
        if found is None or found[0] != version:
            return None
        _parts.move_to_end(key)
        return found[1]


def put(key: tuple, version, text: bytes) -> None:
    global _size
    if len(text) > LIMIT:
        return
    with _lock:
        old = _parts.pop(key, None)
        if old is not None:
            _size -= len(old[1])
        _parts[key] = (version, text)
        _size += len(text)
        while _size > LIMIT:
            _, (_, dropped) = _parts.popitem(last=False)
            _size -= len(dropped)


def clear() -> None:
    """Forget every part (the benchmark measures a feed written from nothing)."""
    global _size
    with _lock:
        _parts.clear()
        _size = 0
