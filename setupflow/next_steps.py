"""Next steps of a site: what its lead must know this week, as plain data.

One function, ``next_steps``, answers the three questions of a project lead who opens
the site between two meetings (where are we, what must I do, by when). The site page's
top block, ``setupflow site show`` and the weekly digest all print its result; none of
them computes anything of its own.

Each step has a ``kind`` (what the readers turn into a sentence in their language),
the words it needs (labels in the asked language, a person's name...), a day and the
days left when it has one, and ``path``: the page of the web application where the
step is done (a path like the reminders' ``path``; pages and e-mails prefix it).

The steps, in this order:

- ``meeting``: the next meeting not yet held (scheduled, or proposed and ``to_confirm``),
  then what is expected before it: ``agenda_missing`` (no agenda yet, with whoever
  holds the agenda role) and ``minutes_missing`` (the last held meeting has no minutes);
- ``action_overdue`` then ``action_due`` (open action items due in the next
  ``ACTION_HORIZON_DAYS`` days), with their owner;
- ``deadline``: the next deadline window of the definition (the DUI's signature, the
  call's closing...), and ``stage_max``: the day the current stage reaches its maximum;
- ``task``: the tasks of the current stage that are not met, with the organisation that
  usually carries them (the definition's ``role``, in words), gate tasks first;
- ``decision``: the decisions the stage's gate still needs.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import evidence
from .clock import local_date
from .committees.models import ActionItem, AgendaItem, Meeting, MeetingRole, MinutesRevision
from .engine import GateStatus
from .planning import Progress
from .portfolio import next_deadline
from .sites import operations as ops
from .sites.models import Site
from .sites.runtime import workflow_of
from .team.models import Person

#: open action items due within this many days are listed as coming
ACTION_HORIZON_DAYS = 14
#: at most this many action items of each kind (the action page lists the others)
MAX_ACTIONS = 5
KINDS = ("meeting", "agenda_missing", "minutes_missing", "action_overdue", "action_due", "deadline",
         "stage_max", "task", "decision")
#: the part of a definition's work -> the segment of the site's page where it is done
WORK_SEGMENTS = {"diagnostic": "diagnostic", "calls": "calls", "support": "support", "budget": "budget"}


@dataclass(frozen=True)
class Step:
    kind: str
    #: what the step is about, in the asked language (a committee, an action, a task...)
    label: str
    #: the page where it is done, e.g. ``/sites/3/meetings/12``
    path: str
    #: the day it is due (a meeting's local day, an action's due day, a window's last day)
    on: date | None = None
    #: days from today to ``on`` (negative: late)
    days_left: int | None = None
    #: who is expected to do it: a person's name, or an organisation (a role's label)
    who: str | None = None
    #: a meeting's local start, a window's first day...
    at: datetime | None = None
    starts_on: date | None = None
    #: a meeting still to confirm, a task required by the gate, a deadline estimated...
    flags: tuple[str, ...] = ()

    @property
    def is_late(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    def as_dict(self) -> dict:
        out = asdict(self)
        for key in ("on", "at", "starts_on"):
            out[key] = out[key].isoformat() if out[key] else None
        out["flags"] = list(self.flags)
        out["is_late"] = self.is_late
        return out


@dataclass(frozen=True)
class NextSteps:
    site_id: int
    today: date
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def of(self, *kinds: str) -> list[Step]:
        return [s for s in self.steps if s.kind in kinds]

    def as_dict(self) -> dict:
        return {"site": self.site_id, "today": self.today.isoformat(), "steps": [s.as_dict() for s in self.steps]}

    def __bool__(self) -> bool:
        return bool(self.steps)


def role_label(workflow, role_id: str, lang: str) -> str:
    """The organisation that usually carries a task, in words (the id for a role no longer defined)."""
    for role in workflow.roles:
        if role.id == role_id:
            return role.label.get(lang)
    return role_id


def task_path(site_id: int, evidence_name: str | None) -> str:
    """Where a task is met: the work page for a task met by its evidence, else the site's checklist."""
    if evidence_name:
        kind = evidence.KINDS.get(evidence_name.split(":", 1)[0])
        segment = WORK_SEGMENTS.get(kind.needs) if kind is not None and kind.needs else None
        if segment:
            return f"/sites/{site_id}/{segment}"
    return f"/sites/{site_id}#tasks"


def deadline_path(workflow, site_id: int, deadline_id: str) -> str:
    """The page where what meets a deadline is done: the call it closes, the DUI it dates."""
    if any(c.answers_deadline == deadline_id for c in workflow.work.calls):
        return f"/sites/{site_id}/calls"
    support = workflow.work.support
    if support is not None and support.dui is not None and support.dui.deadline == deadline_id:
        return f"/sites/{site_id}/support"
    return f"/sites/{site_id}#h-planning"


def decision_path(workflow, site_id: int, kind) -> str:
    """Where a gate decision is taken: a committee's meeting, the work that records it (the
    DUI's last signature, the confirmed opening), else the site page's decision form."""
    support = workflow.work.support
    if support is not None and (kind.id == support.opening_decision
                                or (support.dui is not None and kind.id == support.dui.signed_decision)):
        return f"/sites/{site_id}/support"
    if kind.committee:
        return f"/sites/{site_id}/meetings"
    return f"/sites/{site_id}#decision-{kind.id}"


def _meeting_steps(session: Session, site: Site, workflow, now: datetime, today: date, lang: str) -> list[Step]:
    from zoneinfo import ZoneInfo

    out = []
    # a constant number of statements whatever the site (the benchmark asserts the site page's):
    # both meetings, then the holders of both meetings' roles, and both counts always run. The
    # roles are not joined to the meetings: SQLite then built the join of every meeting role,
    # person and organisation of the installation before the LIMIT (400 ms at 2,000 sites)
    upcoming = session.scalars(select(Meeting).where(
        Meeting.site_id == site.id, Meeting.status.in_(("proposed", "scheduled")), Meeting.starts_dt > now)
        .order_by(Meeting.starts_dt, Meeting.id).limit(1)).first()
    last_held = session.scalars(select(Meeting).where(
        Meeting.site_id == site.id, Meeting.status == "held", Meeting.starts_dt <= now)
        .order_by(Meeting.starts_dt.desc(), Meeting.id.desc()).limit(1)).first()
    shown = [m.id for m in (upcoming, last_held) if m is not None] or [-1]
    holders = {(meeting_id, role): name for meeting_id, role, name in session.execute(
        select(MeetingRole.meeting_id, MeetingRole.role, Person.name).join(Person, Person.id == MeetingRole.person_id)
        .where(MeetingRole.meeting_id.in_(shown)).order_by(MeetingRole.id.desc()))}
    has_agenda = session.scalar(select(func.count()).select_from(AgendaItem)
                                .where(AgendaItem.meeting_id == (upcoming.id if upcoming else -1)))
    written = session.scalar(select(func.count()).select_from(MinutesRevision)
                             .where(MinutesRevision.meeting_id == (last_held.id if last_held else -1)))

    def committee(m):
        try:
            return workflow.committee(m.committee_id).label.get(lang)
        except KeyError:
            return m.committee_id

    def holder(m, role):
        return holders.get((m.id, role))

    if upcoming is not None:
        local = upcoming.starts_dt.astimezone(ZoneInfo(upcoming.timezone))
        path = f"/sites/{site.id}/meetings/{upcoming.id}"
        out.append(Step("meeting", committee(upcoming), path, local.date(), (local.date() - today).days,
                        None, local,
                        flags=("to_confirm",) if upcoming.status == "proposed" else ()))
        if upcoming.status == "scheduled" and not has_agenda:
            out.append(Step("agenda_missing", committee(upcoming), path + "#agenda", local.date(),
                            (local.date() - today).days, holder(upcoming, "agenda")))
    if last_held is not None:
        if not written:
            local = last_held.starts_dt.astimezone(ZoneInfo(last_held.timezone))
            out.append(Step("minutes_missing", committee(last_held),
                            f"/sites/{site.id}/meetings/{last_held.id}#minutes", local.date(),
                            None, holder(last_held, "agenda"), local))
    return out


def _action_steps(session: Session, site: Site, today: date) -> list[Step]:
    rows = session.scalars(select(ActionItem).where(
        ActionItem.site_id == site.id, ActionItem.status == "open", ActionItem.due_on.is_not(None),
        ActionItem.due_on <= today + timedelta(days=ACTION_HORIZON_DAYS))
        .order_by(ActionItem.due_on, ActionItem.id)).all()
    path = f"/sites/{site.id}/actions"
    late = [a for a in rows if a.due_on < today][:MAX_ACTIONS]
    coming = [a for a in rows if a.due_on >= today][:MAX_ACTIONS]
    return ([Step("action_overdue", a.text, path, a.due_on, (a.due_on - today).days, a.owner.name) for a in late]
            + [Step("action_due", a.text, path, a.due_on, (a.due_on - today).days, a.owner.name) for a in coming])


def _planning_steps(site: Site, workflow, prog, today: date, lang: str) -> list[Step]:
    out = []
    deadline = next_deadline(site, prog, today)
    if deadline is not None:
        window = deadline.window
        out.append(Step("deadline", deadline.deadline.label.get(lang),
                        deadline_path(workflow, site.id, deadline.deadline.id), window.latest,
                        (window.latest - today).days, starts_on=window.earliest,
                        flags=("estimate",) if deadline.is_estimate else ()))
    if prog.stage_due_on is not None:
        stage = workflow.stage(site.stage)
        out.append(Step("stage_max", stage.label.get(lang), f"/sites/{site.id}#gate", prog.stage_due_on,
                        (prog.stage_due_on - today).days))
    return out


def _gate_steps(session: Session, site: Site, workflow, lang: str, known: Known) -> list[Step]:
    stage = workflow.stage(site.stage)
    gate = known.gate if known.gate is not None else ops.gate_of(session, site)
    unmet_gate = {c.key for c in gate.unmet if c.kind == "task"}
    met = known.done if known.done is not None else ops.done_tasks(session, site)
    tasks = [t for t in stage.tasks if t.id not in met]
    tasks.sort(key=lambda t: t.id not in unmet_gate)  # stable: the gate's first, then the definition's order
    out = [Step("task", t.label.get(lang), task_path(site.id, t.evidence), who=role_label(workflow, t.role, lang),
                flags=("required",) if t.id in unmet_gate else ()) for t in tasks]
    for c in gate.unmet:
        if c.kind != "decision":
            continue
        kind = workflow.decision(c.key)
        path = decision_path(workflow, site.id, kind)
        who = None
        if kind.committee:
            try:
                who = workflow.committee(kind.committee).label.get(lang)
            except KeyError:
                who = kind.committee
        out.append(Step("decision", kind.label.get(lang), path, who=who))
    return out


@dataclass(frozen=True)
class Known:
    """What a caller has already read of the site in the same transaction (the site page:
    its forecast, gate and met tasks), so that the next steps do not read them again: the
    site page sent 47 statements, 18 of them these reads made a second time."""

    today: date | None = None
    progress: Progress | None = None
    gate: GateStatus | None = None
    done: set[str] | None = None


def next_steps(session: Session, site: Site, now: datetime, lang: str = "fr", known: Known = Known()) -> NextSteps:
    """What the site's team must know and do next, at ``now`` (see the module's docstring)."""
    workflow = workflow_of(site)
    today = local_date(now)
    steps = _meeting_steps(session, site, workflow, now, today, lang)
    steps += _action_steps(session, site, today)
    if site.stage != workflow.final.id:
        prog = known.progress if known.progress is not None and known.today == today else ops.progress(session, site, today)
        steps += _planning_steps(site, workflow, prog, today, lang)
        steps += _gate_steps(session, site, workflow, lang, known)
    return NextSteps(site.id, today, tuple(steps))
