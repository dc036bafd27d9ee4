"""Applications to a call, the committee's scores and the selection."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..clock import local_date
from ..db import row_id
from ..errors import InputError, NotFound
from ..sites.models import Site
from .. import inputs
from ..sites.operations import Actor, record, record_decision
from .models import Application, Call, Score
from ..lifecycles import CALLS
from .operations import spec_of


def get_application(session: Session, call: Call, application_id) -> Application:
    number = row_id(application_id)
    row = session.get(Application, number) if number else None
    if row is None or row.call_id != call.id:
        raise NotFound(code="application.not_found", field="application", application=application_id, call=call.id)
    return row


def add_application(session: Session, site: Site, call: Call, *, organisation: str, legal_status: str,
                    activity: str, actor: Actor, now: datetime, structure_type: str | None = None,
                    received_on=None) -> Application:
    CALLS.fire(call, "receive", now=now)
    values = {"organisation": organisation, "legal_status": legal_status, "activity": activity}
    for name, value in values.items():
        if not (value or "").strip():
            raise InputError(code="required", field=name, label=name)
    received = inputs.day(received_on, "received_on") if received_on else local_date(now)
    if received < call.published_on:
        raise InputError(code="application.before_publication", field="received_on", value=received,
                         published_on=call.published_on)
    if call.closes_on is not None and received > call.closes_on:
        raise InputError(code="application.after_close", field="received_on", value=received, closes_on=call.closes_on)
    if any(a.organisation.casefold() == organisation.strip().casefold() for a in call.applications):
        raise InputError(code="application.duplicate", field="organisation", organisation=organisation.strip(),
                         call=call.id)
    row = Application(call_id=call.id, organisation=organisation.strip(), legal_status=legal_status.strip(),
                      structure_type=(structure_type or "").strip() or None, activity=activity.strip(),
                      received_on=received, recorded_dt=now, recorded_by=actor.name)
    call.applications.append(row)
    session.flush()
    record(session, site, actor, now, "call_application", call_id=call.id, application_id=row.id)
    session.flush()
    return row


def scoring_committee(site: Site, call: Call) -> str | None:
    """The committee that selects among the call's applications, whose members score them:
    the committee the selection decision is taken in (or belongs to); None when the
    definition names none (any person of the team file then scores)."""
    from ..sites.runtime import workflow_of

    kind = workflow_of(site).decision(spec_of(site, call.call_key).selection_decision)
    return kind.taken_in or kind.committee


def scoring_members(session: Session, site: Site, call: Call, day) -> list:
    """The people of the team file who may score the call's applications on ``day``."""
    from ..team.operations import committee_members, people_of

    committee_id = scoring_committee(site, call)
    if committee_id is None:
        return [p for p in people_of(session, site, include_left=False)]
    return [p for p in committee_members(session, site, committee_id, day) if p.left_on is None or p.left_on >= day]


def _scorer(session: Session, site: Site, call: Call, member, day):
    """The person a score sheet is by: a Person, a person id, or a person's exact name,
    who sits on the committee that selects on ``day``."""
    from ..sites.runtime import workflow_of
    from ..team.models import Person

    eligible = scoring_members(session, site, call, day)
    if isinstance(member, Person):
        person = member
    else:
        member = str(member or "").strip()
        if not member:
            raise InputError(code="score.member_required", field="member")
        number = row_id(member.lstrip("#"))
        person = session.get(Person, number) if number else None
        if person is None or person.site_id != site.id:
            named = [p for p in eligible if p.name == member]
            if len(named) != 1:
                raise InputError(code="score.member_unknown", field="member", member=member,
                                 members=", ".join(f"{p.name} (#{p.id})" for p in eligible) or "-")
            person = named[0]
    if person.site_id != site.id:
        raise InputError(code="score.member_unknown", field="member", member=f"#{person.id}",
                         members=", ".join(f"{p.name} (#{p.id})" for p in eligible) or "-")
    if person not in eligible:
        from ..definitions.schema_base import Text

        committee_id = scoring_committee(site, call)
        committee = (workflow_of(site).committee(committee_id).label if committee_id
                     else Text(fr="équipe projet", en="project team"))
        raise InputError(code="score.member_not_on_committee", field="member", member=person.name,
                         committee=committee, day=day)
    return person


def score(session: Session, site: Site, call: Call, application: Application, *, member,
          scores: dict[str, int], actor: Actor, now: datetime) -> list[Score]:
    """Record one member's scores (0..max) for some criteria of one application.

    ``member`` is a person of the team file (a Person, its id, or its exact name) who sits
    on the committee that selects (``scoring_committee``) on the day of scoring."""
    spec = spec_of(site, call.call_key)
    person = _scorer(session, site, call, member, local_date(now))
    key = f"#{person.id}"
    from ..reviews.conflicts import refuse_conflicted

    refuse_conflicted(session, person.name, application=application)
    criteria = {c["id"] for c in call.criteria}
    parsed = {}
    for criterion, value in scores.items():
        if criterion not in criteria:
            raise InputError(code="choice.invalid", field="criterion", value=criterion, allowed=sorted(criteria))
        n = inputs.whole(value, f"score '{criterion}'")
        if not 0 <= n <= spec.max_score:
            raise InputError(code="score.out_of_range", field="score", criterion=criterion, value=n,
                             high=spec.max_score)
        parsed[criterion] = n
    if not parsed:
        raise InputError(code="score.none", field="scores")
    existing = {(s.member, s.criterion): s for s in application.scores}
    rows = []
    for criterion, n in parsed.items():
        row = existing.get((key, criterion))
        if row is None:
            row = Score(application_id=application.id, member=key, person_id=person.id, criterion=criterion,
                        score=n, scored_dt=now)
            row.person = person
            session.add(row)
            application.scores.append(row)
        else:
            row.score, row.scored_dt = n, now
        rows.append(row)
    record(session, site, actor, now, "call_score", application_id=application.id, member=person.name,
           person_id=person.id)
    session.flush()
    return rows


def select_applications(session: Session, site: Site, call: Call, application_ids, *, actor: Actor,
                        now: datetime, text: str | None = None, supersede_reason: str | None = None,
                        meeting=None, **columns):
    """The committee's selection, recorded as the call's selection decision (``sponsor``,
    ``cohort``...) whose value is the selected organisations' names, taken in ``meeting``
    (an id or a Meeting) when the definition says which committee selects."""
    spec = spec_of(site, call.call_key)
    CALLS.check(call, "select", now=now)
    chosen = [get_application(session, call, i) for i in dict.fromkeys(application_ids)]
    if not chosen:
        raise InputError(code="selection.none", field="applications")
    if spec.max_selected is not None and len(chosen) > spec.max_selected:
        raise InputError(code="selection.too_many", field="applications", limit=spec.max_selected)
    value = "; ".join(a.organisation for a in chosen)
    decision = record_decision(session, site, key=spec.selection_decision, value=value,
                               text=(text or "").strip() or None, actor=actor, now=now,
                               supersede_reason=supersede_reason, through="call_selection", meeting=meeting,
                               **columns)
    for a in call.applications:
        a.is_selected = a in chosen
    CALLS.fire(call, "select", now=now)
    record(session, site, actor, now, "call_selection", call_id=call.id, applications=[a.id for a in chosen])
    session.flush()
    return decision


def score_sheet_problems(session: Session, site: Site) -> list[dict]:
    """The score sheets of a site's calls that do not follow the rule that a sheet is by a
    member of the committee that selects: free text (recorded before the rule), or a person
    who did not sit on that committee on the day they scored. In the shape of
    ``record_problems``; ``flagged`` when the sheet was recorded before the rule."""
    from sqlalchemy import select

    from ..team.operations import committee_members

    out = []
    calls = session.scalars(select(Call).where(Call.site_id == site.id).order_by(Call.id))
    for call in calls:
        committee_id = scoring_committee(site, call)
        for application in call.applications:
            sheets: dict[str, list[Score]] = {}
            for s in application.scores:
                sheets.setdefault(s.member, []).append(s)
            for rows in sheets.values():
                first = min(rows, key=lambda r: r.scored_dt)
                flagged = any(r.before_rule for r in rows)
                where = f"the score sheet of '{first.member_name}' for application {application.id} " \
                        f"({application.organisation})"
                if first.person is None:
                    out.append({"decision": None, "key": call.call_key, "rule": "score_member",
                                "detail": f"{where} names its member in free text, not a person of the team file",
                                "flagged": flagged})
                    continue
                day = local_date(first.scored_dt)
                seated = (committee_members(session, site, committee_id, day) if committee_id
                          else [first.person])
                if first.person not in seated:
                    out.append({"decision": None, "key": call.call_key, "rule": "score_member",
                                "detail": f"{where} is by someone who did not sit on the {committee_id} committee "
                                          f"on {day}", "flagged": flagged})
    return out
