"""Who records a decision, in which stage, and in which meeting.

A decision kind of a definition may say:

- ``settled_by: <work>``: the decision is what a piece of work produces (the call's
  selection, the DUI's last signature...). It is then recorded only through that work;
  a direct ``site decide`` (CLI or web) is refused with the command and page to use.
  The kinds of work are declared here (``SETTLERS``), like the kinds of evidence in
  ``setupflow.evidence``, so that loading a definition can check them.
- ``taken_in: <committee id>``: the decision is recorded only as a decision of a held
  meeting of that committee (a meeting marked held, with its attendance).
- ``stages: [..]``: the stages in which it may be taken; outside them it is refused.

``check_decision`` is the one check every face goes through (``record_decision`` calls
it); ``problems_of_record`` rereads a site's stored decisions against the same rules.
Nothing here touches the database.
"""
from __future__ import annotations

from dataclasses import dataclass

from .definitions.schema_base import Text
from .errors import InputError

#: meeting statuses that mean the meeting took place
HELD = ("held", "minutes_approved")


@dataclass(frozen=True)
class Settler:
    """A kind of work that settles a decision."""

    name: str
    #: the refusal given when the decision is recorded any other way (names the command and page)
    code: str
    #: the CLI command that does the work
    command: str
    about: str


SETTLERS: dict[str, Settler] = {s.name: s for s in (
    Settler("diagnostic_choice", code="decision.settled_by_diagnostic", command="setupflow diagnostic structure",
            about="the diagnostic's choice, with its rationale"),
    Settler("call_selection", code="decision.settled_by_selection", command="setupflow calls select",
            about="the committee's selection among the call's applications"),
    Settler("call_publication", code="decision.settled_by_publication", command="setupflow calls publish",
            about="the publication of the call"),
    Settler("dui_circuit", code="decision.settled_by_dui", command="setupflow dui sign",
            about="the last signature of the DUI's circuit"),
    Settler("opening_confirmation", code="decision.settled_by_opening", command="setupflow support confirm-opening",
            about="the confirmation of the opening date"),
)}


def joined(labels) -> Text:
    """Several labels as one text in both languages."""
    labels = list(labels)
    return Text(fr=", ".join(t.fr for t in labels), en=", ".join(t.en for t in labels))


def stage_label(workflow, stage_id: str) -> Text:
    if stage_id == workflow.final.id:
        return workflow.final.label
    return workflow.stage(stage_id).label


def meeting_is_held(meeting) -> bool:
    """A meeting that took place and whose attendance is recorded (someone present)."""
    return meeting.status in HELD and any(a.attendance == "present" for a in meeting.attendees)


def check_decision(workflow, kind, *, stage: str, through: str | None = None, meeting=None) -> None:
    """Raise the refusal that recording a decision of ``kind`` now would meet, if any.

    ``through`` names the work recording it (a key of ``SETTLERS``), None for a direct
    record; ``meeting`` the meeting it is recorded in; ``stage`` the site's stage.
    """
    if kind.settled_by is not None and through != kind.settled_by:
        settler = SETTLERS[kind.settled_by]
        raise InputError(code=settler.code, field="key", decision=kind.label, command=settler.command)
    if kind.stages and stage not in kind.stages:
        raise InputError(code="decision.wrong_stage", field="key", decision=kind.label,
                         stages=joined(stage_label(workflow, s) for s in kind.stages),
                         stage=stage_label(workflow, stage))
    committee_id = kind.taken_in
    if committee_id is None:
        return
    committee = workflow.committee(committee_id).label
    if meeting is None:
        raise InputError(code="decision.needs_meeting", field="meeting", decision=kind.label, committee=committee)
    if meeting.committee_id != committee_id:
        try:
            other = workflow.committee(meeting.committee_id).label
        except KeyError:
            other = Text(fr=meeting.committee_id, en=meeting.committee_id)
        raise InputError(code="decision.wrong_committee", field="meeting", meeting=meeting.id, other=other,
                         decision=kind.label, committee=committee)
    if not meeting_is_held(meeting):
        raise InputError(code="decision.meeting_not_held", field="meeting", meeting=meeting.id,
                         decision=kind.label)


@dataclass(frozen=True)
class RecordProblem:
    """One way a site's stored decision does not follow its definition's rules."""

    decision_id: int
    key: str
    rule: str  # settled_by | taken_in | stages
    detail: str

    def as_dict(self) -> dict:
        return {"decision": self.decision_id, "key": self.key, "rule": self.rule, "detail": self.detail}


def decision_problems(workflow, decision, *, stage_at: str | None, through: str | None, meeting) -> list[RecordProblem]:
    """What the rules say of one stored decision: ``stage_at`` is the site's stage when it
    was recorded, ``through`` the work that recorded it (from its history), ``meeting`` its
    meeting if any."""
    try:
        kind = workflow.decision(decision.key)
    except KeyError:
        return []
    out = []
    if kind.settled_by is not None and through != kind.settled_by:
        out.append(RecordProblem(decision.id, decision.key, "settled_by",
                                 f"recorded directly, not by {SETTLERS[kind.settled_by].about}"))
    if kind.stages and stage_at is not None and stage_at not in kind.stages:
        out.append(RecordProblem(decision.id, decision.key, "stages",
                                 f"recorded in stage '{stage_at}', it is taken in {', '.join(kind.stages)}"))
    if kind.taken_in is not None:
        if meeting is None:
            out.append(RecordProblem(decision.id, decision.key, "taken_in",
                                     f"not taken in a meeting of the {kind.taken_in} committee"))
        elif meeting.committee_id != kind.taken_in or not meeting_is_held(meeting):
            out.append(RecordProblem(decision.id, decision.key, "taken_in",
                                     f"meeting {meeting.id} is not a held meeting of the {kind.taken_in} committee"))
    return out
