"""Reading programme figures: totals, each laureate's line and each period, with every count
about people under justice screened the diagnostic's way (privacy.shown and
privacy.suppressed_cells: '<5', and '*' where a small count could be recovered by subtraction).

Two statements per page whatever the number of reports: the sums by laureate and by period
are kept up to date by database triggers as reports are written (``LaureateSum``,
``PeriodSum``), so a page reads one row per laureate and indicator, never every report.
"""
from __future__ import annotations


from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..definitions.programme import Programme
from ..diagnostic.queries import HIDDEN
from ..privacy import shown, suppressed_cells
from .models import Laureate, LaureateSum, PeriodSum, Report, ReportValue


def screen(counts: dict, threshold: int, about_people: bool) -> dict:
    """Counts as they may be printed, by key."""
    if not about_people:
        return {k: str(n) for k, n in counts.items()}
    hidden = suppressed_cells(counts, threshold)
    return {k: ((shown(n, threshold) if n < threshold else HIDDEN) if k in hidden else str(n))
            for k, n in counts.items()}


def screened_total(total: int, threshold: int, about_people: bool) -> str:
    return shown(total, threshold) if about_people else str(total)


def raw_figures(session: Session, edition_ids) -> tuple[dict, dict]:
    """Sums by (laureate, indicator) and by (period, indicator) over the editions' reports,
    read from the kept sums (two statements)."""
    edition_ids = list(edition_ids)
    if not edition_ids:
        return {}, {}
    by_laureate: dict = {}
    lsum = LaureateSum.__table__.c
    for laureate_id, indicator, total in session.connection().execute(
            select(lsum.laureate_id, lsum.indicator, lsum.total).where(lsum.edition_id.in_(edition_ids))):
        by_laureate.setdefault(indicator, {})[laureate_id] = total
    by_period: dict = {}
    psum = PeriodSum.__table__.c
    for period, indicator, total in session.execute(
            select(psum.period, psum.indicator, func.sum(psum.total)).where(psum.edition_id.in_(edition_ids))
            .group_by(psum.period, psum.indicator)):
        by_period.setdefault(indicator, {})[period] = int(total)
    return by_laureate, by_period


def recomputed_figures(session: Session, edition_ids) -> tuple[dict, dict]:
    """``raw_figures`` summed from every report value (the kept sums' check)."""
    edition_ids = list(edition_ids)
    v = ReportValue.__table__.c
    by_laureate: dict = {}
    for laureate_id, indicator, total in session.execute(
            select(v.laureate_id, v.indicator, func.sum(v.count)).where(v.edition_id.in_(edition_ids))
            .group_by(v.edition_id, v.laureate_id, v.indicator)):
        by_laureate.setdefault(indicator, {})[laureate_id] = int(total)
    by_period: dict = {}
    for period, indicator, total in session.execute(
            select(v.period, v.indicator, func.sum(v.count)).where(v.edition_id.in_(edition_ids))
            .group_by(v.edition_id, v.period, v.indicator)):
        slot = by_period.setdefault(indicator, {})
        slot[period] = slot.get(period, 0) + int(total)
    return by_laureate, by_period


def figures(session: Session, programme: Programme, edition_ids, laureates: dict, *, lang: str = "fr",
            only_laureate: int | None = None) -> list[dict]:
    """One entry per indicator: the total, the laureates' lines and the periods, screened.

    ``laureates``: {id: project name} of the lines to show. ``only_laureate``: a laureate's own
    view: its own line and the totals, and no total from which another laureate's small count
    could be recovered."""
    by_laureate, by_period = raw_figures(session, edition_ids)
    threshold = programme.suppress_below
    out = []
    for indicator in programme.indicators:
        people = indicator.about_people
        counts = by_laureate.get(indicator.id, {})
        total = sum(counts.values())
        lines_shown = screen(counts, threshold, people)
        periods = dict(sorted(by_period.get(indicator.id, {}).items()))
        periods_shown = screen(periods, threshold, people)
        total_shown = screened_total(total, threshold, people)
        if only_laureate is not None:
            own = counts.get(only_laureate, 0)
            if people and 0 < total - own < threshold:
                total_shown = HIDDEN
            lines = [{"laureate_id": only_laureate, "project": laureates.get(only_laureate, ""),
                      "count": lines_shown.get(only_laureate, "0") if own or only_laureate in counts else "-"}]
            if people:  # the periods mix every laureate: show them only when nothing small hides in them
                periods_shown = {p: (HIDDEN if total_shown == HIDDEN else v) for p, v in periods_shown.items()}
        else:
            lines = [{"laureate_id": lid, "project": name, "count": lines_shown.get(lid, "-")}
                     for lid, name in laureates.items()]
        out.append({"id": indicator.id, "label": indicator.label.get(lang), "about_people": people,
                    "total": total_shown, "raw_total": total, "lines": lines,
                    "periods": [{"period": p, "count": periods_shown[p],
                                 "value": n if periods_shown[p] == str(n) else None} for p, n in periods.items()]})
    return out


FIGURES_HEADER = ("indicator", "line", "count")


def figures_rows(rows: list[dict]) -> list[tuple]:
    """The figures as CSV rows (``setupflow.csvfile`` writes them), screened as on screen:
    the raw totals never leave."""
    out = []
    for row in rows:
        out.extend((row["label"], line["project"], line["count"]) for line in row["lines"])
        out.extend((row["label"], period["period"], period["count"]) for period in row["periods"])
        out.append((row["label"], "total", row["total"]))
    return out


def own_reports(session: Session, programme: Programme, laureate: Laureate) -> list[dict]:
    """A laureate's reports by period; counts about people screened like everywhere else
    (a count under the threshold is never printed, not even to its author)."""
    people = {i.id for i in programme.indicators if i.about_people}
    rows = session.scalars(select(Report).where(Report.laureate_id == laureate.id).order_by(Report.period)).all()
    return [{"id": r.id, "period": r.period, "comment": r.comment, "reported_by": r.reported_by,
             "values": {v.indicator: (shown(v.count, programme.suppress_below) if v.indicator in people
                                      else str(v.count)) for v in r.values}} for r in rows]


def missed_follow_ups(session: Session, programme: Programme, edition_ids) -> list[dict]:
    """Laureates whose latest follow-ups were missed, ``follow_up.missed_alert`` in a row or more."""
    from ..committees.models import Meeting

    follow_up = programme.accompaniment.follow_up
    edition_ids = list(edition_ids)
    if follow_up is None or not edition_ids:
        return []
    rows = session.execute(select(Meeting.laureate_id, Meeting.status)
                           .where(Meeting.edition_id.in_(edition_ids), Meeting.committee_id == "follow_up",
                                  Meeting.status.in_(("held", "minutes_approved", "missed")))
                           .order_by(Meeting.laureate_id, Meeting.starts_dt)).all()
    streak: dict[int, int] = {}
    for laureate_id, status in rows:
        streak[laureate_id] = streak.get(laureate_id, 0) + 1 if status == "missed" else 0
    flagged = {k: n for k, n in streak.items() if n >= follow_up.missed_alert}
    if not flagged:
        return []
    names = dict(session.execute(select(Laureate.id, Laureate.project).where(Laureate.id.in_(flagged))).all())
    return [{"laureate_id": k, "project": names[k], "missed": n} for k, n in sorted(flagged.items())]
