"""The definition and the shared machine a stored site runs on, built once per snapshot."""
from __future__ import annotations

from threading import Lock

from ..definitions.loader import load_document
from ..definitions.schema import Workflow
from ..engine import StageMachine
from .models import Site, WorkflowSnapshot

_cache: dict[str, tuple[Workflow, StageMachine]] = {}
_lock = Lock()


def _runtime(snapshot: WorkflowSnapshot) -> tuple[Workflow, StageMachine]:
    key = f"{snapshot.workflow_id}@{snapshot.version}#{snapshot.digest}"
    found = _cache.get(key)
    if found is None:
        with _lock:
            found = _cache.get(key)
            if found is None:
                workflow = load_document(snapshot.document, f"snapshot {key}").workflow
                found = _cache[key] = (workflow, StageMachine(workflow))
    return found


def workflow_of(site: Site) -> Workflow:
    return _runtime(site.snapshot)[0]


def machine_of(site: Site) -> StageMachine:
    return _runtime(site.snapshot)[1]
