"""State changes of the diagnostic. Every free text goes through the privacy screen."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InputError, NotFound
from ..privacy import refuse_identifying
from ..sites.models import Site
from .. import inputs
from ..sites.operations import Actor, record, record_decision
from ..sites.runtime import workflow_of
from .models import AUDIENCES, FORMATS, HYPOTHESIS_STATUSES, SOURCE_STATUSES, DiagnosticReport, DiagnosticSource, \
    Hypothesis, Indicator, Initiative, Interview


def spec_of(site: Site):
    spec = workflow_of(site).work.diagnostic
    if spec is None:
        raise InputError(code="workflow.no_diagnostic", field="diagnostic", workflow=site.workflow_id)
    return spec


def _choice(field: str, value: str, allowed) -> str:
    if value not in allowed:
        raise InputError(code="choice.invalid", field=field, value=value, allowed=list(allowed))
    return value


def set_source(session: Session, site: Site, key: str, *, status: str, actor: Actor, now: datetime,
               obtained_on: date | str | None = None, provider: str | None = None,
               note: str | None = None) -> DiagnosticSource:
    spec = spec_of(site)
    _choice("source", key, [s.id for s in spec.sources])
    _choice("status", status, SOURCE_STATUSES)
    day = inputs.day(obtained_on, "obtained_on") if obtained_on else None
    if status == "obtained" and day is None:
        raise InputError(code="diagnostic.obtained_on_required", field="obtained_on")
    if day is not None and status != "obtained":
        raise InputError(code="diagnostic.obtained_on_not_obtained", field="obtained_on", status=status)
    provider = refuse_identifying("provider", provider, names=False) or None
    note = refuse_identifying("note", note) or None
    row = session.scalar(select(DiagnosticSource).where(DiagnosticSource.site_id == site.id,
                                                        DiagnosticSource.source_key == key))
    if row is None:
        row = DiagnosticSource(site_id=site.id, source_key=key)
        session.add(row)
    row.status, row.obtained_on, row.provider, row.note = status, day, provider, note
    row.changed_dt, row.changed_by = now, actor.name
    record(session, site, actor, now, "diagnostic_source", key=key, status=status)
    session.flush()
    return row


def parse_cells(pairs) -> list[dict]:
    """``["under_25=12", ...]`` or ``{"under_25": 12}`` into ordered cells."""
    items = pairs.items() if isinstance(pairs, dict) else [str(p).partition("=")[::2] for p in pairs]
    cells = []
    for category, count in items:
        category = str(category).strip()
        n = inputs.whole(count, f"count '{category}'")
        if n < 0:
            raise InputError(code="diagnostic.count_negative", field="count", what=category)
        cells.append({"category": category, "count": n})
    return cells


def set_indicator(session: Session, site: Site, dimension: str, cells, *, actor: Actor, now: datetime,
                  label: str | None = None, source_key: str | None = None,
                  as_of_on: date | str | None = None) -> Indicator:
    """Record (or replace) the counts per category of one dimension."""
    spec = spec_of(site)
    known = {d.id: d for d in spec.dimensions}
    cells = parse_cells(cells)
    if not cells:
        raise InputError(code="diagnostic.indicator_empty", field="cells", dimension=dimension)
    seen = set()
    for cell in cells:
        name = refuse_identifying("category", cell["category"], dimension=dimension)
        if not name:
            raise InputError(code="diagnostic.category_unnamed", field="category", dimension=dimension)
        if name in seen:
            raise InputError(code="diagnostic.category_twice", field="category", dimension=dimension, category=name)
        seen.add(name)
    if dimension not in known:
        refuse_identifying("dimension", dimension)
        if not (label or "").strip():
            raise InputError(code="diagnostic.dimension_unknown", field="dimension", value=dimension, known=list(known))
    label = refuse_identifying("label", label) or None
    if source_key is not None:
        _choice("source", source_key, [s.id for s in spec.sources])
    day = inputs.day(as_of_on, "as_of").replace(day=1) if as_of_on else None
    row = session.scalar(select(Indicator).where(Indicator.site_id == site.id, Indicator.dimension == dimension))
    if row is None:
        row = Indicator(site_id=site.id, dimension=dimension)
        session.add(row)
    row.cells, row.label, row.source_key, row.as_of_on = cells, label, source_key, day
    row.changed_dt, row.changed_by = now, actor.name
    record(session, site, actor, now, "diagnostic_indicator", dimension=dimension)
    session.flush()
    return row


def log_interview(session: Session, site: Site, *, held_on, audience: str, format: str, participants: int,
                  themes, actor: Actor, now: datetime, summary: str | None = None) -> Interview:
    spec_of(site)
    _choice("audience", audience, AUDIENCES)
    _choice("format", format, FORMATS)
    participants = inputs.whole(participants, "participants")
    if int(participants) < 1:
        raise InputError(code="diagnostic.participants_none", field="participants")
    if format == "individual" and int(participants) != 1:
        raise InputError(code="diagnostic.individual_one_participant", field="participants")
    themes = [refuse_identifying(f"themes[{i}]", t, label="themes") for i, t in enumerate(themes or [])]
    themes = [t for t in themes if t]
    if not themes:
        raise InputError(code="diagnostic.themes_required", field="themes")
    row = Interview(site_id=site.id, held_on=inputs.day(held_on, "held_on"), audience=audience, format=format,
                    participants=int(participants), themes=themes,
                    summary=refuse_identifying("summary", summary) or None, recorded_dt=now,
                    recorded_by=actor.name)
    session.add(row)
    session.flush()
    record(session, site, actor, now, "diagnostic_interview", interview_id=row.id, audience=audience)
    session.flush()
    return row


def add_initiative(session: Session, site: Site, *, name: str, kind: str, actor: Actor, now: datetime,
                   description: str | None = None) -> Initiative:
    spec = spec_of(site)
    _choice("kind", kind, [k.id for k in spec.initiative_kinds])
    name = refuse_identifying("name", name)
    if not name:
        raise InputError(code="diagnostic.initiative_unnamed", field="name")
    row = Initiative(site_id=site.id, name=name, kind=kind, description=refuse_identifying("description",
                                                                                           description) or None,
                     recorded_dt=now, recorded_by=actor.name)
    session.add(row)
    session.flush()
    record(session, site, actor, now, "diagnostic_initiative", initiative_id=row.id)
    session.flush()
    return row


def add_hypothesis(session: Session, site: Site, statement: str, *, actor: Actor, now: datetime) -> Hypothesis:
    """Record a starting hypothesis the diagnostic is to confirm or refute; it starts open."""
    spec_of(site)
    statement = refuse_identifying("statement", statement)
    if not statement:
        raise InputError(code="diagnostic.hypothesis_required", field="statement")
    row = Hypothesis(site_id=site.id, statement=statement, status="open", recorded_dt=now, recorded_by=actor.name,
                     changed_dt=now, changed_by=actor.name)
    session.add(row)
    session.flush()
    record(session, site, actor, now, "diagnostic_hypothesis", hypothesis_id=row.id)
    session.flush()
    return row


def get_hypothesis(session: Session, site: Site, hypothesis_id) -> Hypothesis:
    from ..db import row_id

    number = row_id(hypothesis_id)
    row = session.get(Hypothesis, number) if number else None
    if row is None or row.site_id != site.id:
        raise NotFound(code="diagnostic.hypothesis_not_found", field="hypothesis", hypothesis=hypothesis_id)
    return row


def settle_hypothesis(session: Session, site: Site, hypothesis_id, status: str, *, actor: Actor, now: datetime,
                      finding: str | None = None) -> Hypothesis:
    """Mark a starting hypothesis confirmed or refuted (with what the diagnostic found), or
    open again."""
    spec_of(site)
    row = get_hypothesis(session, site, hypothesis_id)
    status = _choice("status", (status or "").strip().lower(), HYPOTHESIS_STATUSES)
    finding = refuse_identifying("finding", finding) or None
    if status != "open" and not finding:
        raise InputError(code="diagnostic.finding_required", field="finding", status=status)
    row.status, row.finding, row.changed_dt, row.changed_by = status, finding, now, actor.name
    record(session, site, actor, now, "diagnostic_hypothesis_settled", hypothesis_id=row.id, status=status)
    session.flush()
    return row


def write_conclusions(session: Session, site: Site, text: str, *, actor: Actor, now: datetime) -> DiagnosticReport:
    spec_of(site)
    text = refuse_identifying("conclusions", text)
    if not text:
        raise InputError(code="diagnostic.conclusions_required", field="conclusions")
    row = session.scalar(select(DiagnosticReport).where(DiagnosticReport.site_id == site.id))
    if row is None:
        row = DiagnosticReport(site_id=site.id)
        session.add(row)
    row.conclusions, row.changed_dt, row.changed_by = text, now, actor.name
    record(session, site, actor, now, "diagnostic_conclusions")
    session.flush()
    return row


def choose_structure(session: Session, site: Site, structure: str, rationale: str, *, actor: Actor,
                     now: datetime, supersede_reason: str | None = None, meeting=None, **columns):
    """Record the structure-type choice with its rationale as the definition's decision,
    taken in ``meeting`` (an id or a Meeting) when the definition says which committee
    takes it. Extra ``columns`` go to the decision as they are."""
    spec = spec_of(site)
    rationale = refuse_identifying("rationale", rationale)
    if not rationale:
        raise InputError(code="diagnostic.rationale_required", field="rationale")
    return record_decision(session, site, key=spec.structure_decision, value=structure, text=rationale,
                           actor=actor, now=now, supersede_reason=supersede_reason, through="diagnostic_choice",
                           meeting=meeting, **columns)
