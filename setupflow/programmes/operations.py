"""Changing programme records: open an edition, run its call in steps, score, select the
laureates at a held committee meeting, report the indicators, write the review's texts.

Every function validates its whole input before it writes anything, and moves an edition
or an application only through its lifecycle (``lifecycles``).
"""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import local_date
from ..db import row_id
from ..definitions.programme import Programme
from ..errors import InputError, NotFound
from ..privacy import refuse_identifying
from ..sites.records import Actor
from .lifecycles import APPLICATIONS, EDITIONS
from .. import inputs
from ..committees.models import Attendee, Meeting
from . import meetings
from .meetings import MEETING_KINDS  # noqa: F401  (the kinds, where callers found them)
from .models import (PROGRAMME_ROLES, Edition, Laureate, ProgrammeApplication, ProgrammeDecision, ProgrammeMember,
                     ProgrammeScore, Report, ReportValue)


# -- reading input ---------------------------------------------------------------------------
def parse_day(value, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(code="date.invalid", field=field, value=value) from None


def _text(value, field: str, *, limit: int = 400, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not text:
        raise InputError(code="required", field=field)
    if len(text) > limit:
        raise InputError(code="text.too_long", field=field, length=len(text), limit=limit)
    return text


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# -- editions --------------------------------------------------------------------------------
def get_edition(session: Session, edition_id, programme_id: str | None = None) -> Edition:
    number = row_id(edition_id)
    edition = session.get(Edition, number) if number else None
    if edition is None or (programme_id is not None and edition.programme_id != programme_id):
        raise NotFound(code="programme.edition_not_found", field="edition", edition=edition_id)
    return edition


def _move(edition: Edition, trigger: str, **guards) -> None:
    target = EDITIONS.next_state(edition.status, trigger, **guards)
    if target is None:
        needed = [t["source"] for t in _edition_transitions(trigger)]
        raise InputError(code="programme.edition_status", field="edition", status=edition.status,
                         needed=", ".join(needed))
    edition.status = target


def _edition_transitions(trigger):
    from .lifecycles import EDITION

    return [t for t in EDITION["transitions"] if t["trigger"] == trigger]


def open_edition(session: Session, programme: Programme, *, label: str, starts_on, actor: Actor,
                 now: datetime) -> Edition:
    """A new edition in draft, with the definition's criteria and weights."""
    label = _text(label, "label", limit=200)
    starts = parse_day(starts_on, "starts_on")
    if session.scalar(select(Edition.id).where(Edition.programme_id == programme.id, Edition.label == label)):
        raise InputError(code="programme.edition_exists", field="label", label=label)
    months = max(12 * programme.editions.years, programme.accompaniment.months)
    edition = Edition(programme_id=programme.id, label=label, starts_on=starts,
                      ends_on=add_months(starts, months) - timedelta(days=1), status=EDITIONS.states[0],
                      criteria=[{"id": c.id, "label": c.label.fr, "weight": c.weight} for c in programme.call.criteria],
                      review_texts={}, created_dt=now, changed_dt=now, changed_by=actor.name)
    session.add(edition)
    session.flush()
    return edition


def _touch(edition: Edition, actor: Actor, now: datetime) -> None:
    edition.changed_dt, edition.changed_by = now, actor.name


def set_weight(session: Session, edition: Edition, criterion: str, weight, *, actor: Actor, now: datetime) -> Edition:
    """One criterion's weight (the command line's way): ``set_weights`` with one entry."""
    return set_weights(session, edition, {criterion: weight}, actor=actor, now=now)


def set_weights(session: Session, edition: Edition, weights: dict, *, actor: Actor, now: datetime) -> Edition:
    """The criteria's weights (0..10) before the call is published, several at once (the
    web form) or one (the command line); every weight is checked before any is changed, and
    at least one criterion must keep a weight."""
    if edition.call_published_on is not None:
        raise InputError(code="programme.weights_fixed", field="weight", published=edition.call_published_on)
    criteria = [dict(c) for c in edition.criteria]
    by_id = {c["id"]: c for c in criteria}
    if not weights:
        raise InputError(code="required", field="weight")
    for criterion, weight in weights.items():
        field = f"weight_{criterion}" if len(weights) > 1 else "weight"
        if criterion not in by_id:
            raise InputError(code="programme.unknown_criterion", field="criterion", criterion=criterion,
                             known=", ".join(c["id"] for c in criteria))
        text = str(weight).strip() if weight is not None else ""
        try:
            number = int(text)
        except ValueError:
            raise InputError(code="number.invalid", field=field, value=weight) from None
        if not 0 <= number <= 10:
            raise InputError(code="programme.weight_range", field=field, value=number)
        by_id[criterion]["weight"] = number
    if not any(c["weight"] for c in criteria):
        raise InputError(code="programme.no_weight", field="weight")
    edition.criteria = criteria
    _touch(edition, actor, now)
    session.flush()
    return edition


def step_windows(programme: Programme, edition: Edition) -> list[dict]:
    """Each step of the call with the first and last day it accepts answers (None before publication)."""
    out = []
    for step in programme.call.steps:
        if edition.call_published_on is None:
            out.append({"step": step, "opens": None, "closes": None})
            continue
        opens = edition.call_published_on + timedelta(days=step.opens_after_days)
        out.append({"step": step, "opens": opens, "closes": opens + timedelta(days=step.open_days - 1)})
    return out


def _window(programme: Programme, edition: Edition, step_id: str) -> dict:
    return next(w for w in step_windows(programme, edition) if w["step"].id == step_id)


def _check_open(programme, edition, step_id: str, day: date) -> None:
    window = _window(programme, edition, step_id)
    if window["opens"] is None or day < window["opens"]:
        raise InputError(code="programme.step_not_open", field="received_on", step=step_id,
                         opens=window["opens"] or "-")
    if day > window["closes"]:
        raise InputError(code="programme.step_closed", field="received_on", step=step_id, closes=window["closes"])


def publish_call(session: Session, programme: Programme, edition: Edition, *, published_on, actor: Actor,
                 now: datetime) -> Edition:
    published = parse_day(published_on, "published_on")
    _move(edition, "publish_call")
    edition.call_published_on = published
    _touch(edition, actor, now)
    session.flush()
    return edition


def call_closed(programme: Programme, edition: Edition, today: date) -> bool:
    windows = step_windows(programme, edition)
    return windows[-1]["closes"] is not None and today > windows[-1]["closes"]


# -- applications ----------------------------------------------------------------------------
def get_application(session: Session, edition: Edition, application_id) -> ProgrammeApplication:
    number = row_id(application_id)
    row = session.get(ProgrammeApplication, number) if number else None
    if row is None or row.edition_id != edition.id:
        raise NotFound(code="programme.application_not_found", field="application", application=application_id, edition=edition.id)
    return row


def _answers(step, answers: dict, carried: dict | None = None) -> dict:
    """The step's answers, validated field by field; carried-over fields come from earlier steps."""
    unknown = set(answers) - {f.id for f in step.fields} - set(step.carry_over)
    if unknown:
        field = sorted(unknown)[0]
        raise InputError(code="programme.unknown_field", field=field, step=step.id,
                         known=", ".join(f.id for f in step.fields))
    out = {}
    for f in step.fields:
        value = answers.get(f.id)
        if f.kind == "number" and value not in (None, ""):
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise InputError(code="number.invalid", field=f.id, value=value) from None
        elif f.kind != "file":
            value = _text(value, f.id, limit=6000 if f.kind == "long_text" else 400, required=f.required)
        elif f.required and not value:
            raise InputError(code="required", field=f.id)
        out[f.id] = value
    for key in step.carry_over:
        out[key] = (carried or {}).get(key)
    return out


def add_application(session: Session, programme: Programme, edition: Edition, *, answers: dict, actor: Actor,
                    now: datetime, received_on=None) -> ProgrammeApplication:
    """An answer to the call's first step: project, organisation(s), department and purpose
    are read from the step's fields of those names."""
    step = programme.call.steps[0]
    received = parse_day(received_on, "received_on") if received_on else local_date(now)
    _check_open(programme, edition, step.id, received)
    given = _answers(step, answers)
    project = _text(given.get("project"), "project", limit=200)
    organisation = _text(given.get("organisation"), "organisation")
    for other in edition.applications:
        if other.project.casefold() == project.casefold() and other.organisation.casefold() == organisation.casefold():
            raise InputError(code="programme.duplicate_application", field="project", project=project,
                             organisation=organisation)
    received_dt = now if received == local_date(now) else datetime.combine(received, now.timetz())
    row = ProgrammeApplication(edition_id=edition.id, project=project, organisation=organisation,
                               department=_text(given.get("department"), "department", limit=100),
                               purpose=_text(given.get("purpose"), "purpose", limit=2000), step=step.id,
                               status=APPLICATIONS.states[0], answers={step.id: given}, received_dt=received_dt,
                               recorded_by=actor.name)
    edition.applications.append(row)
    session.flush()
    return row


def _move_application(application: ProgrammeApplication, trigger: str, **guards) -> None:
    target = APPLICATIONS.next_state(application.status, trigger, **guards)
    if target is None:
        raise InputError(code="programme.application_step", field="application", status=application.status)
    application.status = target


def request_full_file(session: Session, programme: Programme, edition: Edition, application: ProgrammeApplication,
                      *, actor: Actor, now: datetime) -> ProgrammeApplication:
    """Shortlist an expression of interest: its authors are asked for the next step's file."""
    steps = [s.id for s in programme.call.steps]
    index = steps.index(application.step)
    _move_application(application, "request_full_file", has_next_step=index + 1 < len(steps))
    application.step = steps[index + 1]
    session.flush()
    return application


def submit_full_file(session: Session, programme: Programme, edition: Edition, application: ProgrammeApplication,
                     *, answers: dict, actor: Actor, now: datetime, received_on=None) -> ProgrammeApplication:
    """The full file: the earlier answers carried over, the new fields validated."""
    step = programme.call.step(application.step)
    received = parse_day(received_on, "received_on") if received_on else local_date(now)
    _check_open(programme, edition, step.id, received)
    carried = {}
    for earlier in application.answers.values():
        carried.update(earlier)
    given = _answers(step, answers, carried)
    _move_application(application, "submit_full_file")
    application.answers = {**application.answers, step.id: given}
    session.flush()
    return application


def at_last_step(programme: Programme, application: ProgrammeApplication) -> bool:
    """Whether the application is complete for the committee: the call's last step reached and answered."""
    last = programme.call.steps[-1].id
    return application.step == last and last in application.answers and application.status != "declined"


def score(session: Session, programme: Programme, edition: Edition, application: ProgrammeApplication, *,
          member: str, scores: dict, actor: Actor, now: datetime) -> list[ProgrammeScore]:
    """One committee member's scores (0..max) of some criteria of one complete application."""
    member = _text(member, "member", limit=200)
    from ..reviews.conflicts import refuse_conflicted

    refuse_conflicted(session, member, programme_application=application)
    criteria = [c["id"] for c in edition.criteria]
    parsed = {}
    for criterion, value in scores.items():
        if criterion not in criteria:
            raise InputError(code="programme.unknown_criterion", field="criterion", criterion=criterion,
                             known=", ".join(criteria))
        try:
            n = int(value)
        except (TypeError, ValueError):
            raise InputError(code="number.invalid", field=f"score_{criterion}", value=value) from None
        if not 0 <= n <= programme.call.max_score:
            raise InputError(code="programme.score_range", field=f"score_{criterion}", value=n,
                             high=programme.call.max_score)
        parsed[criterion] = n
    if not parsed:
        raise InputError(code="required", field="scores")
    if not at_last_step(programme, application):
        raise InputError(code="programme.application_step", field="application", status=application.status)
    existing = {(s.member, s.criterion): s for s in application.scores}
    rows = []
    for criterion, n in parsed.items():
        row = existing.get((member, criterion))
        if row is None:
            row = ProgrammeScore(application_id=application.id, member=member, criterion=criterion, score=n,
                                 scored_dt=now)
            application.scores.append(row)
        else:
            row.score, row.scored_dt = n, now
        rows.append(row)
    session.flush()
    return rows


def ranking(programme: Programme, edition: Edition) -> list[dict]:
    """The complete applications by weighted score, with the sites' ranking rule (calls.queries)."""
    from types import SimpleNamespace

    from ..calls.queries import ranking as call_ranking

    complete = [a for a in edition.applications if at_last_step(programme, a) or a.status == "selected"]
    rows = call_ranking(SimpleNamespace(criteria=edition.criteria, applications=complete))
    projects = {a.id: a.project for a in complete}
    for row in rows:
        row["project"] = projects[row["application_id"]]
    return rows


# -- meetings and the selection ---------------------------------------------------------------
# the edition's meetings are committee meetings (``programmes.meetings``); these names stay here
get_meeting, schedule_meeting, mark_held = meetings.get_meeting, meetings.schedule_meeting, meetings.mark_held


def select_laureates(session: Session, programme: Programme, edition: Edition, meeting: Meeting,
                     application_ids, *, actor: Actor, now: datetime, text: str | None = None) -> ProgrammeDecision:
    """The committee's selection, recorded as the decision of its held meeting: the chosen
    applications become laureates, the other complete ones are declined, the edition moves
    to its accompaniment."""
    if meeting.edition_id != edition.id or meeting.committee_id != "selection" or meeting.status not in meetings.HELD:
        raise InputError(code="programme.meeting_not_held", field="meeting")
    if len(meeting.seats_present or ()) < programme.committee.quorum:
        raise InputError(code="programme.quorum", field="meeting", present=len(meeting.seats_present or ()),
                         quorum=programme.committee.quorum)
    if edition.status == "call_open":
        _move(edition, "close_call", call_closed=call_closed(programme, edition, local_date(now)))
    chosen = [get_application(session, edition, i) for i in dict.fromkeys(application_ids)]
    if not chosen:
        raise InputError(code="programme.select_none", field="applications")
    limit = programme.call.max_selected
    if limit is not None and len(chosen) > limit:
        raise InputError(code="programme.max_selected", field="applications", limit=limit)
    for application in chosen:
        if not at_last_step(programme, application):
            raise InputError(code="programme.application_step", field="applications", status=application.status)
    _move(edition, "select", meeting_held=True)
    for application in edition.applications:
        if application in chosen:
            _move_application(application, "select", at_last_step=True)
            carried = {}
            for answers in application.answers.values():
                carried.update(answers)
            session.add(Laureate(edition_id=edition.id, application_id=application.id, project=application.project,
                                 organisations=[o.strip() for o in application.organisation.split(";") if o.strip()],
                                 department=application.department, city=None, purpose=application.purpose,
                                 path=carried.get("path"), parrains=[], created_dt=now))
        elif application.status != "declined":
            _move_application(application, "decline")
    decision = ProgrammeDecision(edition_id=edition.id, meeting_id=meeting.id, key="selection",
                                 value="; ".join(a.project for a in chosen), text=(text or "").strip() or None,
                                 decided_dt=now, decided_by=actor.name)
    session.add(decision)
    _touch(edition, actor, now)
    session.flush()
    return decision


def plan_accompaniment(session: Session, programme: Programme, edition: Edition, *, starts_on, now: datetime,
                       at: str = "09:30") -> list[Meeting]:
    """The accompaniment calendar as meetings of the edition, from the definition: each
    collective day and event in its month, the co-development sessions spread over the
    months, and each laureate's follow-ups at the programme's cadence (a series per
    laureate). Every meeting invites its accounts (``meetings.invitees``)."""
    start = parse_day(starts_on, "starts_on")
    if edition.status != "accompaniment":
        raise InputError(code="programme.edition_status", field="edition", status=edition.status,
                         needed="accompaniment")
    if session.scalar(select(Meeting.id).where(Meeting.edition_id == edition.id,
                                               Meeting.committee_id != "selection").limit(1)):
        raise InputError(code="programme.already_planned", field="starts_on")
    clock = inputs.clock_time(at, "at")
    hour = (clock.hour, clock.minute)
    acc = programme.accompaniment

    def new(kind, months, **extra):
        return meetings.new_meeting(programme, edition, kind, meetings.spread(start, months, hour), now, **extra)

    planned = [new("collective_day", d.month - 1, topic=d.id) for d in acc.collective_days]
    # several themes in the same month are one working day apart
    seen: dict = {}
    for m in planned:
        n = seen.setdefault(m.starts_dt, 0)
        seen[m.starts_dt] = n + 1
        m.starts_dt = m.starts_dt + timedelta(days=n)
    planned += [new("event", e.month - 1 + 0.5, topic=e.id) for e in acc.events]
    sessions = acc.co_development.sessions
    planned += [new("co_development", acc.months * (i + 0.5) / sessions) for i in range(sessions)]
    if acc.follow_up is not None:
        for laureate in edition.laureates:
            planned += [new("follow_up", month + 0.3, laureate=laureate)
                        for month in range(0, acc.months, acc.follow_up.every_months)]
    session.add_all(planned)
    session.flush()
    # the invitees, read once per kind (and per laureate), not once per meeting
    cache: dict = {}
    for meeting in planned:
        key = (meeting.committee_id, meeting.laureate_id)
        if key not in cache:
            laureate = session.get(Laureate, meeting.laureate_id) if meeting.laureate_id else None
            cache[key] = meetings.invitees(session, programme, edition, meeting.committee_id, laureate)
        meeting.attendees.extend(Attendee(user_id=user_id) for user_id in cache[key])
    session.flush()
    return planned


def close_edition(session: Session, edition: Edition, *, actor: Actor, now: datetime) -> Edition:
    _move(edition, "close")
    _touch(edition, actor, now)
    session.flush()
    return edition


def add_laureate(session: Session, programme: Programme, edition: Edition, *, project: str, organisations,
                 department: str, purpose: str, now: datetime, city: str | None = None, path: str | None = None,
                 parrains=()) -> Laureate:
    """A laureate recorded directly (an edition selected before setupflow, or imported)."""
    organisations = [o.strip() for o in organisations if o and o.strip()]
    if not organisations:
        raise InputError(code="required", field="organisations")
    if len(organisations) > programme.laureates.organisations:
        raise InputError(code="programme.too_many_organisations", field="organisations",
                         limit=programme.laureates.organisations)
    laureate = Laureate(edition_id=edition.id, application_id=None, project=_text(project, "project", limit=200),
                        organisations=organisations, department=_text(department, "department", limit=100),
                        city=_text(city, "city", limit=100, required=False) or None,
                        purpose=_text(purpose, "purpose", limit=2000),
                        path=_text(path, "path", limit=4000, required=False) or None,
                        parrains=[p.strip() for p in parrains if p and p.strip()], created_dt=now)
    edition.laureates.append(laureate)
    session.flush()
    return laureate


def get_laureate(session: Session, edition: Edition, laureate_id) -> Laureate:
    number = row_id(laureate_id)
    row = session.get(Laureate, number) if number else None
    if row is None or row.edition_id != edition.id:
        raise NotFound(code="programme.laureate_not_in_edition", field="laureate", laureate=laureate_id, edition=edition.id)
    return row


# -- reports ---------------------------------------------------------------------------------
PERIOD_SHAPES = {"month": (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "2027-03"),
                 "quarter": (re.compile(r"^(\d{4})-Q([1-4])$"), "2027-Q1"),
                 "half": (re.compile(r"^(\d{4})-H([12])$"), "2027-H1"),
                 "year": (re.compile(r"^(\d{4})$"), "2027")}


def period_bounds(kind: str, period: str) -> tuple[date, date]:
    """The first and last day of a period written the programme's way; InputError otherwise."""
    pattern, example = PERIOD_SHAPES[kind]
    match = pattern.match((period or "").strip())
    if not match:
        raise InputError(code="programme.period_invalid", field="period", value=period, example=example)
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        raise InputError(code="programme.period_invalid", field="period", value=period, example=example)
    if kind == "year":
        return date(year, 1, 1), date(year, 12, 31)
    n = int(match.group(2))
    months = {"month": 1, "quarter": 3, "half": 6}[kind]
    first = date(year, (n - 1) * months + 1, 1)
    return first, add_months(first, months) - timedelta(days=1)


def indicator_counts(indicators, values: dict) -> dict[str, int]:
    """The counts of one report, by indicator id: whole numbers of at most 7 digits, blanks
    left out, at least one given; an id the definition does not name is refused. Used by
    the laureates' reports and the open workshops' (after_opening), which share this shape."""
    known = [i.id for i in indicators]
    counts = {}
    for key, value in values.items():
        if key not in known:
            raise InputError(code="programme.unknown_indicator", field=key, indicator=key, known=", ".join(known))
        if value is None or str(value).strip() == "":
            continue
        text = str(value).strip()
        if not text.isdecimal() or len(text) > 7:
            raise InputError(code="programme.count_invalid", field=key, value=value)
        counts[key] = int(text)
    if not counts:
        raise InputError(code="required", field=known[0])
    return counts


def write_counts(row, counts: dict[str, int], new_value) -> None:
    """Put a report's counts on its row: a value already there is updated, a missing one is
    made by ``new_value(indicator, count)`` (laureates' and open workshops' reports)."""
    by_key = {v.indicator: v for v in row.values}
    for key, n in counts.items():
        if key in by_key:
            by_key[key].count = n
        else:
            row.values.append(new_value(key, n))


def report(session: Session, programme: Programme, edition: Edition, laureate: Laureate, *, period: str,
           values: dict, actor: Actor, now: datetime, comment: str | None = None) -> Report:
    """A laureate's counts for one period (replacing an earlier report of the same period).
    Aggregates only: a comment that looks like data about one person is refused."""
    period = (period or "").strip()
    first, last = period_bounds(programme.period, period)
    if last < edition.starts_on or first > edition.ends_on:
        raise InputError(code="programme.period_outside", field="period", value=period, starts=edition.starts_on,
                         ends=edition.ends_on)
    counts = indicator_counts(programme.indicators, values)
    comment = _text(comment, "comment", limit=4000, required=False)
    refuse_identifying("comment", comment)
    row = session.scalar(select(Report).where(Report.laureate_id == laureate.id, Report.period == period))
    if row is None:
        row = Report(laureate_id=laureate.id, period=period)
        session.add(row)
    row.comment, row.reported_dt, row.reported_by = comment or None, now, actor.name
    write_counts(row, counts, lambda key, n: ReportValue(indicator=key, count=n, edition_id=edition.id,
                                                          laureate_id=laureate.id, period=period))
    session.flush()
    return row


def set_review_text(session: Session, programme: Programme, edition: Edition, section: str, text: str, *,
                    actor: Actor, now: datetime) -> Edition:
    """The staff's words for a text section of the review (difficulties, first impacts...)."""
    sections = [s.id for s in programme.review if s.kind == "text"]
    if section not in sections:
        raise InputError(code="programme.unknown_section", field="section", section=section,
                         known=", ".join(sections))
    text = _text(text, "text", limit=8000, required=False)
    refuse_identifying("text", text)
    edition.review_texts = {**(edition.review_texts or {}), section: text}
    _touch(edition, actor, now)
    session.flush()
    return edition


# -- who plays which part ----------------------------------------------------------------------
def add_member(session: Session, programme: Programme, user_id: int, role: str, *, now: datetime,
               edition: Edition | None = None, laureate: Laureate | None = None,
               seat: str | None = None) -> ProgrammeMember:
    if role not in PROGRAMME_ROLES:
        raise InputError(code="programme.member_role", field="role", role=role, known=", ".join(PROGRAMME_ROLES))
    if role == "laureate" and laureate is None:
        raise InputError(code="required", field="laureate")
    if role == "committee" and edition is None:
        raise InputError(code="required", field="edition")
    if seat is not None and seat not in [s.id for s in programme.committee.seats]:
        raise InputError(code="programme.unknown_seat", field="seat", seat=seat,
                         known=", ".join(s.id for s in programme.committee.seats))
    member = ProgrammeMember(user_id=user_id, programme_id=programme.id, role=role,
                             edition_id=(laureate.edition_id if laureate else edition.id if edition else None),
                             laureate_id=laureate.id if laureate else None, seat=seat, assigned_dt=now)
    session.add(member)
    session.flush()
    return member
