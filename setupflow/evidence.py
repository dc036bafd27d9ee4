"""Evidence: a task of the method met by the work itself rather than by a tick.

A task in a definition may say ``evidence: diagnostic_conclusions_written`` or
``evidence: workstream_complete:economic_model``. The names are generic kinds of proof,
declared here as data (so that loading a definition can check them without importing
the database layer); each feature module registers the function that tells whether
the proof holds for a site with ``@proves("name")``.
"""
from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import FIFOCache
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: the feature modules that register proofs; imported on first use
PROVIDERS = ("setupflow.diagnostic.queries", "setupflow.calls.queries", "setupflow.support.queries",
             "setupflow.budget.queries", "setupflow.committees.evidence", "setupflow.team.evidence",
             "setupflow.documents.evidence")


@dataclass(frozen=True)
class EvidenceKind:
    name: str
    #: which part of ``workflow.work`` must be defined for the proof to make sense
    needs: str | None
    #: what the part after the colon names, if the proof takes one: "workstream" (a support
    #: workstream id), "committee" (a committee id of the definition), "categories"
    #: (organisation categories of the vocabulary, comma-separated: ``ep,spip,disp``)
    argument: str | None
    about: str


KINDS: dict[str, EvidenceKind] = {k.name: k for k in (
    EvidenceKind("diagnostic_sources_collected", "diagnostic", None,
                 "every data source is obtained or known unavailable (at least one obtained), with at least "
                 "one aggregate indicator (interviews are optional: they count when there are some)"),
    EvidenceKind("diagnostic_conclusions_written", "diagnostic", None, "the diagnostic's conclusions are written"),
    EvidenceKind("call_document_drafted", "calls", None,
                 "a call has its text, the needs it answers and weighted criteria"),
    EvidenceKind("call_published", "calls", None, "a call is published with its closing date"),
    EvidenceKind("call_meetings_offered", "calls", None,
                 "a call has at least one workshop-zone visit or bilateral meeting with candidates"),
    EvidenceKind("call_applications_scored", "calls", None,
                 "a call has applications and each has scores from at least one member"),
    EvidenceKind("workstream_complete", "support", "workstream",
                 "every item of the workstream's checklist is done"),
    EvidenceKind("immersion_scheduled", "support", None, "the supervisors' immersion period has dates"),
    EvidenceKind("budget_drawn_up", None, None,
                 "the forecast budget has at least one expense line and one income line"),
    # the cooperation's own records: committees held, the team file, the project note
    EvidenceKind("committee_held_with_minutes", None, "committee",
                 "a meeting of the committee has been held (attendance recorded, someone present) and its "
                 "minutes are written"),
    EvidenceKind("team_file_has", None, "categories",
                 "the team file has someone in the project from an organisation of each category"),
    EvidenceKind("project_note_written", None, None, "every section of the project note is written"),
)}

def truthy(value, _workflow, _argument) -> bool:
    return bool(value)


@dataclass(frozen=True)
class Proof:
    """How a proof is read and judged. ``read(workflow, argument, site_id)`` is one SQL
    value correlated on ``site_id`` (a column of the sites table, or a bound parameter), so
    that a site's gate, its inputs and its evidence are read in one SELECT (``sites.gates``);
    ``judge(value, workflow, argument)`` says whether the value read proves the task."""

    read: Callable
    judge: Callable = truthy


_proofs: dict[str, Proof] = {}
_loaded = False


def proves(name: str, judge: Callable | None = None):
    """Register how evidence ``name`` is read: f(workflow, argument, site_id) -> one SQL value,
    true when the proof holds, or judged by ``judge(value, workflow, argument)``."""
    if name not in KINDS:
        raise KeyError(f"evidence '{name}' is not declared in setupflow.evidence.KINDS")

    def register(func: Callable) -> Callable:
        _proofs[name] = Proof(func, judge or truthy)
        return func

    return register


def proofs() -> dict[str, Proof]:
    global _loaded
    if not _loaded:
        for module in PROVIDERS:
            importlib.import_module(module)
        _loaded = True
    return dict(_proofs)


class json_rows(FunctionElement):
    """The rows of a correlated subquery's columns as one JSON array of arrays (``[]`` or
    NULL for none): a proof that judges several rows in Python reads them as one value."""

    inherit_cache = True
    name = "json_rows"


@compiles(json_rows)
@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element, compiler, **kw):
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_rows, "postgresql")
def _json_rows_postgresql(element, compiler, **kw):
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


def rows_of(value) -> list:
    """What a ``json_rows`` value holds, whichever the driver returned."""
    if value is None:
        return []
    return json.loads(value) if isinstance(value, (str, bytes)) else list(value)


def split(spec: str) -> tuple[str, str | None]:
    name, _, argument = spec.partition(":")
    return name, argument or None


#: (definition digest, evidence) -> its SELECT for one site, built once
_statements: FIFOCache = FIFOCache(maxsize=512)


def holds(session, site, spec: str) -> bool:
    """Whether evidence ``spec`` holds for ``site`` (one SELECT; a gate reads all of its
    evidence with the site itself instead, ``sites.gates.read_gate``)."""
    from sqlalchemy import bindparam, select

    from .sites.runtime import workflow_of

    workflow = workflow_of(site)
    name, argument = split(spec)
    proof = proofs()[name]
    key = (site.snapshot.digest, spec)
    statement = _statements.get(key)
    if statement is None:
        statement = _statements[key] = select(proof.read(workflow, argument, bindparam("site_id")))
    return proof.judge(session.scalar(statement, {"site_id": site.id}), workflow, argument)


def describe(spec: str) -> str:
    name, argument = split(spec)
    kind = KINDS.get(name)
    about = kind.about if kind else name
    return f"{about} ({argument})" if argument else about
