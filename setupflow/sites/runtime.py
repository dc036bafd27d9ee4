"""The definition and the shared machine a stored site runs on, built once per snapshot."""
from __future__ import annotations

from threading import Lock

from cachetools import FIFOCache, LRUCache

from ..definitions.loader import load_document
from ..definitions.schema import Workflow
from ..engine import StageMachine
from .models import Site, WorkflowSnapshot

#: snapshot key -> its definition and machine; far more than the versions a database holds
_cache: FIFOCache = FIFOCache(maxsize=256)
_lock = Lock()


def snapshot_key(snapshot: WorkflowSnapshot) -> str:
    """What identifies a definition exactly (memo keys use it rather than the Workflow)."""
    return f"{snapshot.workflow_id}@{snapshot.version}#{snapshot.digest}"


def _runtime(snapshot: WorkflowSnapshot) -> tuple[Workflow, StageMachine]:
    key = snapshot_key(snapshot)
    try:
        return _cache[key]  # a hit reorders nothing in a FIFO cache: no lock to read
    except KeyError:
        pass
    with _lock:
        found = _cache.get(key)
        if found is None:
            workflow = load_document(snapshot.document, f"snapshot {key}").workflow
            found = _cache[key] = (workflow, StageMachine(workflow))
    return found


def workflow_of(site: Site) -> Workflow:
    return _runtime(site.snapshot)[0]


def workflow_of_snapshot(snapshot: WorkflowSnapshot) -> Workflow:
    return _runtime(snapshot)[0]


def machine_of(site: Site) -> StageMachine:
    return _runtime(site.snapshot)[1]


def machine_of_snapshot(snapshot: WorkflowSnapshot) -> StageMachine:
    return _runtime(snapshot)[1]


#: site id -> (definition digest, stage) where this process last saw it: which gate statement
#: to read it with (``gates.read_gate``). A hint only: the statement returns the site's
#: definition and stage and a wrong hint costs a second read, never a wrong gate
_stages_seen: LRUCache = LRUCache(maxsize=100_000)


_seen_lock = Lock()


def see_stage(site_id: int, digest: str, stage: str) -> None:
    with _seen_lock:  # an LRU cache reorders itself on every access
        _stages_seen[site_id] = (digest, stage)


def stage_seen(site_id: int) -> tuple[str, str] | None:
    with _seen_lock:
        return _stages_seen.get(site_id)
