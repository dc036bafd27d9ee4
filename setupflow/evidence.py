"""Evidence: a task of the method met by the work itself rather than by a tick.

A task in a definition may say ``evidence: diagnostic_conclusions_written`` or
``evidence: workstream_complete:economic_model``. The names are generic kinds of proof,
declared here as data (so that loading a definition can check them without importing
the database layer); each feature module registers the function that tells whether
the proof holds for a site with ``@proves("name")``.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

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

Proof = Callable[..., bool]
_proofs: dict[str, Proof] = {}
_loaded = False


def proves(name: str):
    """Register the function that says whether evidence ``name`` holds: f(session, site, argument)."""
    if name not in KINDS:
        raise KeyError(f"evidence '{name}' is not declared in setupflow.evidence.KINDS")

    def register(func: Proof) -> Proof:
        _proofs[name] = func
        return func

    return register


def proofs() -> dict[str, Proof]:
    global _loaded
    if not _loaded:
        for module in PROVIDERS:
            importlib.import_module(module)
        _loaded = True
    return dict(_proofs)


def split(spec: str) -> tuple[str, str | None]:
    name, _, argument = spec.partition(":")
    return name, argument or None


def holds(session, site, spec: str) -> bool:
    name, argument = split(spec)
    return bool(proofs()[name](session, site, argument))


def describe(spec: str) -> str:
    name, argument = split(spec)
    kind = KINDS.get(name)
    about = kind.about if kind else name
    return f"{about} ({argument})" if argument else about
