"""Reporting a workshop's figures after its opening, and reading them screened like a
programme's (programmes.queries.screen: counts of people under the threshold never printed)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import InputError
from ..privacy import refuse_identifying
from ..programmes.operations import PERIOD_SHAPES, add_months, indicator_counts, period_bounds, write_counts
from ..programmes.queries import screen, screened_total
from ..sites.models import Site
from ..sites.records import Actor
from ..sites.runtime import workflow_of
from .models import SiteReport, SiteReportValue


def spec_of(site: Site):
    """The definition's after-opening part, or None when it has none."""
    return workflow_of(site).after_opening


def is_open(site: Site) -> bool:
    return site.stage == workflow_of(site).final.id and spec_of(site) is not None


def report(session: Session, site: Site, *, period: str, values: dict, actor: Actor, now: datetime,
           comment: str | None = None) -> SiteReport:
    """The workshop's aggregates for one period (a second report of a period replaces the first)."""
    spec = spec_of(site)
    if not is_open(site):
        raise InputError(code="workshop.not_open", field="period")
    period = (period or "").strip()
    first, _last = period_bounds(spec.period, period)
    counts = indicator_counts(spec.indicators, values)
    comment = (comment or "").strip()
    if len(comment) > 4000:
        raise InputError(code="text.too_long", field="comment", length=len(comment), limit=4000)
    refuse_identifying("comment", comment)
    row = session.scalar(select(SiteReport).where(SiteReport.site_id == site.id, SiteReport.period == period))
    if row is None:
        row = SiteReport(site_id=site.id, period=period)
        session.add(row)
    row.comment, row.reported_dt, row.reported_by = comment or None, now, actor.name
    write_counts(row, counts, lambda key, n: SiteReportValue(indicator=key, count=n))
    session.flush()
    return row


def period_of(kind: str, day: date) -> str:
    if kind == "month":
        return f"{day.year}-{day.month:02d}"
    if kind == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if kind == "half":
        return f"{day.year}-H{1 if day.month <= 6 else 2}"
    return str(day.year)


def last_closed_period(kind: str, today: date) -> str:
    """The latest period that has ended before ``today``."""
    current_first, _ = period_bounds(kind, period_of(kind, today))
    return period_of(kind, current_first - timedelta(days=1))


def raw(session: Session, site_ids) -> tuple[dict, dict]:
    """Sums, averages and counts by (site, indicator) and by (period, indicator): two statements."""
    site_ids = list(site_ids)
    if not site_ids:
        return {}, {}
    joined = (select().select_from(SiteReportValue).join(SiteReport, SiteReport.id == SiteReportValue.report_id)
              .where(SiteReport.site_id.in_(site_ids)))
    stats = (func.sum(SiteReportValue.count), func.avg(SiteReportValue.count))
    by_site: dict = {}
    for site_id, indicator, total, mean in session.execute(
            joined.add_columns(SiteReport.site_id, SiteReportValue.indicator, *stats)
            .group_by(SiteReport.site_id, SiteReportValue.indicator)):
        by_site.setdefault(indicator, {})[site_id] = (int(total), float(mean))
    by_period: dict = {}
    for period, indicator, total, mean in session.execute(
            joined.add_columns(SiteReport.period, SiteReportValue.indicator, *stats)
            .group_by(SiteReport.period, SiteReportValue.indicator)):
        by_period.setdefault(indicator, {})[period] = (int(total), float(mean))
    return by_site, by_period


def figures(session: Session, spec, sites: dict, lang: str = "fr") -> list[dict]:
    """One entry per indicator: the total (or the mean), each site's line and each period, screened.
    ``sites``: {id: name}."""
    by_site, by_period = raw(session, sites)
    out = []
    for indicator in spec.indicators:
        mean = indicator.aggregate == "mean"
        pick = (lambda pair: round(pair[1])) if mean else (lambda pair: pair[0])
        counts = {k: pick(v) for k, v in by_site.get(indicator.id, {}).items()}
        periods = {k: pick(v) for k, v in sorted(by_period.get(indicator.id, {}).items())}
        people = indicator.about_people
        if mean:
            total = round(sum(counts.values()) / len(counts)) if counts else 0
        else:
            total = sum(counts.values())
        lines = screen(counts, spec.suppress_below, people)
        periods_shown = screen(periods, spec.suppress_below, people)
        out.append({"id": indicator.id, "label": indicator.label.get(lang), "about_people": people,
                    "aggregate": indicator.aggregate, "raw_total": total,
                    "total": screened_total(total, spec.suppress_below, people) if counts else "-",
                    "lines": [{"site_id": sid, "name": name, "count": lines.get(sid, "-")} for sid, name in sites.items()],
                    "periods": [{"period": p, "count": periods_shown[p],
                                 "value": n if periods_shown[p] == str(n) else None} for p, n in periods.items()]})
    return out


def reported_periods(session: Session, site: Site) -> list[dict]:
    spec = spec_of(site)
    people = {i.id for i in spec.indicators if i.about_people}
    rows = session.scalars(select(SiteReport).where(SiteReport.site_id == site.id).order_by(SiteReport.period)).all()
    from ..privacy import shown

    return [{"period": r.period, "comment": r.comment,
             "values": {v.indicator: (shown(v.count, spec.suppress_below) if v.indicator in people else str(v.count))
                        for v in r.values}} for r in rows]


__all__ = ["PERIOD_SHAPES", "add_months", "figures", "is_open", "last_closed_period", "report", "reported_periods"]
