"""The in-process caches (on cachetools): bounded, exact on their keys, never serving a
stale entry."""
from __future__ import annotations

from setupflow.reminders import feed_cache


def test_a_feed_part_is_served_only_at_the_version_it_was_written_at():
    feed_cache.clear()
    key = ("sqlite:///x", 7, "fr")
    feed_cache.put(key, ("v", 1), b"BEGIN:VEVENT")
    assert feed_cache.get(key, ("v", 1)) == b"BEGIN:VEVENT"
    assert feed_cache.get(key, ("v", 2)) is None
    feed_cache.put(key, ("v", 2), b"BEGIN:VEVENT 2")
    assert feed_cache.get(key, ("v", 1)) is None and feed_cache.get(key, ("v", 2)) == b"BEGIN:VEVENT 2"
    feed_cache.clear()
    assert feed_cache.get(key, ("v", 2)) is None


def test_feed_parts_are_weighed_in_bytes_and_the_least_recently_used_goes(monkeypatch):
    from cachetools import LRUCache

    monkeypatch.setattr(feed_cache, "_parts", LRUCache(maxsize=10, getsizeof=lambda part: len(part[1])))
    monkeypatch.setattr(feed_cache, "LIMIT", 10)
    feed_cache.put("a", 1, b"aaaa")
    feed_cache.put("b", 1, b"bbbb")
    assert feed_cache.get("a", 1) == b"aaaa"  # a is now the most recently used
    feed_cache.put("c", 1, b"cccc")  # 12 bytes > 10: b goes
    assert feed_cache.get("b", 1) is None and feed_cache.get("a", 1) == b"aaaa"
    feed_cache.put("huge", 1, b"x" * 11)  # larger than the whole limit: not kept, nothing lost
    assert feed_cache.get("huge", 1) is None and feed_cache.get("c", 1) == b"cccc"


def test_a_definition_snapshot_is_built_once_and_shared(make_site, session):
    from setupflow.sites.runtime import machine_of, workflow_of

    first, second = make_site(workflow="tiny"), make_site(name="Autre", workflow="tiny")
    assert workflow_of(first) is workflow_of(second) and machine_of(first) is machine_of(second)
