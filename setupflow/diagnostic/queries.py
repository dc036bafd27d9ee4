"""Reading the diagnostic: the checklist, the indicators with small counts suppressed,
the CSV export, and the proofs the diagnose stage's tasks rely on."""
from __future__ import annotations

from sqlalchemy import and_, exists, false, func, select
from sqlalchemy.orm import Session

from ..csvfile import MACHINE, Form, write_csv
from ..evidence import proves
from ..privacy import shown, suppressed_cells
from ..sites.models import Site
from .models import DiagnosticReport, DiagnosticSource, Hypothesis, Indicator, Initiative, Interview
from .operations import spec_of


def sources(session: Session, site: Site, lang: str = "fr") -> list[dict]:
    """Every source of the definition's checklist with where it stands."""
    rows = {r.source_key: r for r in session.scalars(select(DiagnosticSource).where(
        DiagnosticSource.site_id == site.id))}
    out = []
    for s in spec_of(site).sources:
        r = rows.get(s.id)
        out.append({"key": s.id, "label": s.label.get(lang), "status": r.status if r else "to_request",
                    "obtained_on": r.obtained_on.isoformat() if r and r.obtained_on else None,
                    "provider": r.provider if r else None, "note": r.note if r else None})
    return out


#: a count hidden only so that a small one cannot be recovered by subtraction
HIDDEN = "*"


def indicator_table(site: Site, row: Indicator, lang: str = "fr") -> dict:
    """One indicator as it may be shown: small counts become '<5' (see privacy.suppressed_cells)."""
    spec = spec_of(site)
    threshold = spec.suppress_below
    dim = next((d for d in spec.dimensions if d.id == row.dimension), None)
    labels = {c.id: c.label.get(lang) for c in dim.categories} if dim else {}
    counts = {c["category"]: c["count"] for c in row.cells}
    hidden = suppressed_cells(counts, threshold)
    total = sum(counts.values())
    cells = [{"category": k, "label": labels.get(k, k),
              "count": (shown(n, threshold) if n < threshold else HIDDEN) if k in hidden else str(n)}
             for k, n in counts.items()]
    return {"dimension": row.dimension, "label": dim.label.get(lang) if dim else (row.label or row.dimension),
            "source": row.source_key, "as_of": row.as_of_on.strftime("%Y-%m") if row.as_of_on else None,
            "cells": cells, "total": shown(total, threshold)}


def indicators(session: Session, site: Site, lang: str = "fr") -> list[dict]:
    rows = session.scalars(select(Indicator).where(Indicator.site_id == site.id).order_by(Indicator.dimension))
    return [indicator_table(site, r, lang) for r in rows]


def export_indicators_csv(session: Session, site: Site, lang: str = "fr", form: Form = MACHINE) -> bytes:
    """The indicators as CSV (the one writer: formulas neutralised), with the same
    suppression as on screen."""
    rows = []
    for table in indicators(session, site, lang):
        for cell in table["cells"]:
            rows.append([table["label"], cell["label"], cell["count"]])
        rows.append([table["label"], "total", table["total"]])
    return write_csv(["dimension", "category", "count"], rows, form)


def interviews(session: Session, site: Site) -> list[dict]:
    rows = session.scalars(select(Interview).where(Interview.site_id == site.id).order_by(Interview.held_on))
    return [{"id": r.id, "held_on": r.held_on.isoformat(), "audience": r.audience, "format": r.format,
             "participants": r.participants, "themes": list(r.themes), "summary": r.summary} for r in rows]


def theme_counts(session: Session, site: Site) -> dict[str, int]:
    """How many interviews raised each theme."""
    counts: dict[str, int] = {}
    for r in session.scalars(select(Interview.themes).where(Interview.site_id == site.id)):
        for theme in r:
            counts[theme] = counts.get(theme, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def hypotheses(session: Session, site: Site) -> list[dict]:
    """The starting hypotheses, in the order they were recorded, each open, confirmed or refuted."""
    rows = session.scalars(select(Hypothesis).where(Hypothesis.site_id == site.id).order_by(Hypothesis.id))
    return [{"id": r.id, "statement": r.statement, "status": r.status, "finding": r.finding} for r in rows]


def conclusions(session: Session, site: Site) -> str | None:
    return session.scalar(select(DiagnosticReport.conclusions).where(DiagnosticReport.site_id == site.id))


def summary(session: Session, site: Site, lang: str = "fr") -> dict:
    initiatives = session.scalars(select(Initiative).where(Initiative.site_id == site.id).order_by(Initiative.id))
    return {"sources": sources(session, site, lang), "indicators": indicators(session, site, lang),
            "interviews": interviews(session, site), "themes": theme_counts(session, site),
            "initiatives": [{"id": i.id, "name": i.name, "kind": i.kind, "description": i.description}
                            for i in initiatives],
            "hypotheses": hypotheses(session, site), "conclusions": conclusions(session, site)}


@proves("diagnostic_sources_collected")
def _sources_collected(workflow, _argument, site_id):
    spec = workflow.work.diagnostic
    keys = [s.id for s in spec.sources] if spec is not None else []
    if not keys:
        return false()
    # every listed source obtained or known unavailable, at least one obtained; interviews count
    # when there are some (the guide adds them "if one has the resources"): they are not required
    settled = select(func.count(_SOURCE.source_key.distinct())).where(
        _SOURCE.site_id == site_id, _SOURCE.source_key.in_(keys),
        _SOURCE.status.in_(("obtained", "unavailable"))).scalar_subquery()
    return and_(settled == len(set(keys)),
                exists().where(_SOURCE.site_id == site_id, _SOURCE.source_key.in_(keys), _SOURCE.status == "obtained"),
                exists().where(_INDICATOR.site_id == site_id))


def _written(conclusions, _workflow, _argument) -> bool:
    return bool((conclusions or "").strip())


@proves("diagnostic_conclusions_written", judge=_written)
def _conclusions_written(_workflow, _argument, site_id):
    return select(_REPORT.conclusions).where(_REPORT.site_id == site_id).limit(1).scalar_subquery()


# Table columns, not ORM attributes: a Core statement skips the ORM's compile step.
_SOURCE, _REPORT, _INDICATOR = DiagnosticSource.__table__.c, DiagnosticReport.__table__.c, Indicator.__table__.c
