"""Reminders about a site's meetings and action items.

- invitations ahead of a scheduled meeting (the committee's ``invitation_weeks_ahead``
  unless the rule says otherwise), an agenda reminder to its holder, a day-before
  reminder to the invitees, and minutes still missing some working days after it;
- a moved meeting: everyone already invited gets an update with the same UID and the
  new SEQUENCE; a cancelled one: a cancellation (METHOD:CANCEL) to the same people;
- action items due soon, and overdue (repeating).
"""
from __future__ import annotations

import logging

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ..clock import local_date, zone
from ..committees.models import ActionItem, Meeting, MinutesRevision
from ..ics import meeting_fields
from ..sites.models import Site
from ..sites.runtime import workflow_of
from ..team.models import Membership, Person
from .models import Reminder
from .planned import Planned, Recipient
from .rules import active, end_of_day, occurrence, recipient, rule_instant, rules_for, site_context
from .unsubscribe import reply_to

#: system rules (not in the workflow): they follow the meeting's own changes
UPDATE_RULE, CANCEL_RULE = "meeting_update", "meeting_cancel"
SYSTEM_RULES = (UPDATE_RULE, CANCEL_RULE)
#: how far back meetings and action items are still looked at
LOOKBACK = timedelta(days=120)
ANNOUNCING = ("meeting_invitation",)


log = logging.getLogger(__name__)

def committee_title(workflow, committee_id: str, lang: str) -> str:
    """A meeting's title: its committee's label (the id for a committee no longer defined)."""
    try:
        return workflow.committee(committee_id).label.get(lang)
    except KeyError:
        return committee_id


def agenda_text(titles) -> str | None:
    """The agenda as a numbered list, the description of the meeting's event."""
    return "\n".join(f"{i}. {title}" for i, title in enumerate(titles, 1)) or None


def meeting_context(meeting: Meeting, site: Site, lang: str) -> dict:
    return meeting_fields(meeting, committee_title(workflow_of(site), meeting.committee_id, lang),
                          agenda_text(item.title for item in meeting.agenda))


def invitees(session: Session, meeting: Meeting) -> list[Person]:
    """The people invited; without an explicit list, the committee's current members."""
    people = [a.person for a in meeting.attendees]
    if not people:
        day = local_date(meeting.starts_dt, zone(meeting.timezone))
        people = [m.person for m in session.scalars(select(Membership).join(Person).where(
            Person.site_id == meeting.site_id, Membership.committee_id == meeting.committee_id))
            if m.is_current(day)]
    return people


def meeting_recipients(session: Session, meeting: Meeting, specs) -> list[Recipient]:
    out: dict[str, Recipient] = {}
    roles = {r.role: r.person for r in meeting.roles}
    for spec in specs:
        if spec == "invitees":
            people = invitees(session, meeting)
        elif spec.startswith("role:"):
            people = [roles.get(spec.partition(":")[2])]
        else:
            people = []  # organisation:* are site-level; owner is for action items
        for person in people:
            person = active(person, session)
            if person is not None:
                out.setdefault(person.email.lower(), recipient(person))
    return list(out.values())


def _received(session: Session, meeting: Meeting, invitation_rules: set[str]) -> dict[str, tuple[int, Recipient]]:
    """Who already got this meeting in their calendar, and at which SEQUENCE."""
    rows = session.scalars(select(Reminder).where(
        Reminder.site_id == meeting.site_id, Reminder.state.in_(("sending", "sent")),
        ((Reminder.subject == f"meeting:{meeting.id}") & Reminder.rule.in_(invitation_rules))
        | (Reminder.subject.like(f"meeting:{meeting.id}#%") & (Reminder.rule == UPDATE_RULE))))
    out: dict[str, tuple[int, Recipient]] = {}
    for row in rows:
        seq = int(row.context.get("meeting", {}).get("sequence", 0))
        if row.recipient not in out or out[row.recipient][0] < seq:
            out[row.recipient] = (seq, Recipient(row.recipient, row.recipient_name, row.language))
    return out


def meeting_reminders(session: Session, site: Site, now: datetime) -> list[Planned]:  # noqa: C901  (the meeting lifecycle read by hand; goes when it is declared as data, issue 13 point 7)
    workflow = workflow_of(site)
    meeting_rules = rules_for(workflow, "meeting_invitation", "meeting_agenda", "meeting_day_before",
                              "minutes_missing")
    invitation_rules = {r.id for r in meeting_rules if r.event in ANNOUNCING}
    out: list[Planned] = []
    meetings = session.scalars(select(Meeting).where(Meeting.site_id == site.id,
                                                     Meeting.starts_dt >= now - LOOKBACK))
    for meeting in meetings:
        mark = len(out)
        try:
            subject = f"meeting:{meeting.id}"
            path = f"/sites/{site.id}/meetings/{meeting.id}"

            answers = reply_to(session, meeting)

            def plan(rule_id, subj, due, to, template, expires, once, **extra):
                context = {"site": site_context(site), "path": path, "name": to.name,
                           "meeting": meeting_context(meeting, site, to.language), **extra}
                if answers:
                    context["reply_to"] = answers
                out.append(Planned(rule_id, subj, due, to, template, context, site.id, expires, once,
                                   is_late_resent=False))

            if meeting.status == "cancelled":
                for _seq, to in _received(session, meeting, invitation_rules).values():
                    plan(CANCEL_RULE, subject, meeting.updated_dt, to, "meeting_cancel", None, True,
                         reason=meeting.cancelled_reason)
                continue
            if meeting.status not in ("scheduled", "held"):
                continue  # proposed meetings are suggestions: nobody is invited yet
            anchor = local_date(meeting.starts_dt, zone(meeting.timezone))
            for rule in meeting_rules:
                if rule.committees and meeting.committee_id not in rule.committees:
                    continue
                if rule.event == "minutes_missing":
                    has_minutes = session.scalar(select(exists().where(MinutesRevision.meeting_id == meeting.id)))
                    if has_minutes or meeting.status not in ("scheduled", "held"):
                        continue
                    due = rule_instant(rule, local_date(meeting.ends_dt, zone(meeting.timezone)), site.department)
                    expires, once = None, True
                elif meeting.status != "scheduled":
                    continue
                else:
                    days = rule.days
                    if days is None:
                        try:
                            days = -7 * workflow.committee(meeting.committee_id).invitation_weeks_ahead
                        except KeyError:
                            continue
                    due = rule_instant(rule, anchor, site.department, days)
                    expires, once = meeting.starts_dt, rule.event in ANNOUNCING
                for to in meeting_recipients(session, meeting, rule.to):
                    plan(rule.id, subject, due, to, rule.template, expires, once)
            if meeting.status == "scheduled" and meeting.sequence > 0:
                for seq, to in _received(session, meeting, invitation_rules).values():
                    if seq < meeting.sequence:
                        plan(UPDATE_RULE, f"{subject}#{meeting.sequence}", meeting.updated_dt, to, "meeting_update",
                             meeting.starts_dt, True)
        except (OverflowError, ValueError) as exc:
            # one meeting stored at an impossible date (before the input edge's bounds) plans
            # nothing, and the site's other meetings are planned as usual
            del out[mark:]
            log.warning("site %s meeting %s: not planned (%s: %s)", site.id, meeting.id, type(exc).__name__, exc)
    return out


def action_reminders(session: Session, site: Site, now: datetime) -> list[Planned]:
    workflow = workflow_of(site)
    rules = rules_for(workflow, "action_due", "action_overdue")
    if not rules:
        return []
    out: list[Planned] = []
    actions = session.scalars(select(ActionItem).where(
        ActionItem.site_id == site.id, ActionItem.status == "open", ActionItem.due_on.is_not(None)))
    for action in actions:
        mark = len(out)
        try:
            owner = active(action.owner, session)
            if owner is None:
                continue
            to = recipient(owner)
            context = {"site": site_context(site), "path": f"/sites/{site.id}", "name": to.name,
                       "action": {"id": action.id, "text": action.text, "due_on": action.due_on.isoformat()}}
            for rule in rules:
                first = rule_instant(rule, action.due_on, site.department)
                if rule.event == "action_due":
                    out.append(Planned(rule.id, f"action:{action.id}", first, to, rule.template, context, site.id,
                                       end_of_day(action.due_on, site.department), True))
                else:
                    due = occurrence(first, rule.repeat_every_days, now)
                    out.append(Planned(rule.id, f"action:{action.id}", due, to, rule.template, context, site.id,
                                       None, rule.repeat_every_days is None))
        except (OverflowError, ValueError) as exc:  # one action at an impossible date: the others go on
            del out[mark:]
            log.warning("site %s action %s: not planned (%s: %s)", site.id, action.id, type(exc).__name__, exc)
    return out
