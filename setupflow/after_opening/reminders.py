"""The quarterly reminder of an opened workshop: once a period has ended, the team
(the organisation categories the definition's ``after_opening.remind`` names) is asked
for its figures, once, until the period is reported."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import local_date
from ..programmes.operations import period_bounds
from ..sites.models import Site
from .models import SiteReport
from .operations import is_open, last_closed_period, spec_of

#: the rule id of these reminders in the outbox (a system rule: the definition sets when and whom)
RULE = "workshop_report_due"
TEMPLATE = "workshop_report_due"


def workshop_reminders(session: Session, site: Site, now: datetime) -> list:
    from ..reminders.rules import organisation_recipients, site_context, team_by_category
    from ..workdays import at_local
    from ..reminders.planned import Planned

    if not is_open(site):
        return []
    spec = spec_of(site)
    period = last_closed_period(spec.period, local_date(now))
    if session.scalar(select(SiteReport.id).where(SiteReport.site_id == site.id, SiteReport.period == period)):
        return []
    _first, last = period_bounds(spec.period, period)
    due = at_local(last + timedelta(days=1 + spec.remind_days_after_period), "08:00", site.department)

    class _Rule:  # what organisation_recipients reads of a rule
        to = spec.remind

    out = []
    for to in organisation_recipients(_Rule, team_by_category(session, site)):
        context = {"site": site_context(site), "path": f"/sites/{site.id}/after-opening", "name": to.name,
                   "period": period}
        out.append(Planned(RULE, f"site:{site.id}:workshop_report:{period}", due, to, TEMPLATE, context, site.id,
                           None, True))
    return out
