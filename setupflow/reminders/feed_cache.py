"""Each site's part of the calendar feeds, kept in memory as written, with its version.

A site's part (its meetings and deadlines in one language) is written again only when
its version changed: a feed of 2,000 sites in which one site changed writes that one.
The version (``feeds.open_feed``) holds every input of the text: a part found under an
older version is never served. Parts are kept per database (the engine's URL), site and
language, within ``LIMIT`` bytes, the least recently used going first; per process, so
each server worker has its own (a ``cachetools`` LRU cache weighed in bytes). Behind it,
the parts are kept in the database too (``models.FeedPart``, read and written by
``feeds.write_feed``), so that a new process starts from them.
"""
from __future__ import annotations

from threading import Lock

from cachetools import LRUCache

#: the memory the kept parts may take, in bytes (a 2,000-site feed is about 13 MB)
LIMIT = 64 * 1024 * 1024

#: key -> (version, text), weighed by the text's bytes
_parts: LRUCache = LRUCache(maxsize=LIMIT, getsizeof=lambda part: len(part[1]))
_lock = Lock()


def get(key: tuple, version) -> bytes | None:
    """The part kept under ``key`` if it was written at ``version``, else None."""
    with _lock:
        found = _parts.get(key)
    if found is None or found[0] != version:
        return None
    return found[1]


def put(key: tuple, version, text: bytes) -> None:
    if len(text) > LIMIT:
        return
    with _lock:
        _parts[key] = (version, text)


def clear() -> None:
    """Forget every part (the benchmark measures a feed written from nothing)."""
    with _lock:
        _parts.clear()
