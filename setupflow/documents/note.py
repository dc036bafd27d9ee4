"""The project note (note de projet): editable sections kept with every version, and the
whole note assembled from the site's data (stages, retro-planning, committees, team).

A save names the version it was based on; a stale one raises ``StaleEdit`` and
nothing is overwritten.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import InputError
from ..revisions import append_revision
from ..sites.models import Site
from ..sites.operations import Actor, current_decisions, planned, record
from ..sites.runtime import workflow_of
from ..team.operations import committee_members
from .markdown import checked_tables, markdown_paragraphs
from .models import SectionRevision
from .render import Section, day_text

DOCUMENT = "project_note"
#: editable sections of the note: id -> (fr, en)
NOTE_SECTIONS = {
    "objectives": ("Objectifs", "Objectives"),
    "needs": ("Besoins", "Needs"),
    "method": ("Méthode", "Method"),
    "governance": ("Gouvernance", "Governance"),
}
MAX_SECTION = 100_000
EMPTY = "À rédiger par le comité technique."


def checked_section(section: str, body_md: str | None) -> str:
    """A section's text with its length and its tables' size checked, before anything
    renders or stores it."""
    body_md = (body_md or "").replace("\r\n", "\n")
    if len(body_md) > MAX_SECTION:
        raise InputError(code="text.too_long", field=section, length=len(body_md), limit=MAX_SECTION)
    return checked_tables(body_md, section)


def _latest(session: Session, site: Site, section: str):
    return (select(SectionRevision).where(SectionRevision.site_id == site.id, SectionRevision.document == DOCUMENT,
                                          SectionRevision.section == section))


def note_sections(session: Session, site: Site) -> dict[str, SectionRevision | None]:
    """The current revision of each editable section (None when never written)."""
    out = {}
    for section in NOTE_SECTIONS:
        out[section] = session.scalar(_latest(session, site, section).order_by(SectionRevision.version.desc()).limit(1))
    return out


def section_history(session: Session, site: Site, section: str) -> list[SectionRevision]:
    return list(session.scalars(_latest(session, site, section).order_by(SectionRevision.version)))


def save_note_section(session: Session, site: Site, section: str, body_md: str, based_on: int, actor: Actor,
                      now: datetime) -> SectionRevision:
    if section not in NOTE_SECTIONS:
        raise InputError(code="choice.invalid", field="section", value=section, allowed=list(NOTE_SECTIONS))
    body_md = checked_section(section, body_md)
    current = session.scalar(select(func.coalesce(func.max(SectionRevision.version), 0)).where(
        SectionRevision.site_id == site.id, SectionRevision.document == DOCUMENT, SectionRevision.section == section))
    revision = SectionRevision(site_id=site.id, document=DOCUMENT, section=section, version=current + 1,
                               body_md=body_md, saved_by=actor.name, saved_dt=now)
    append_revision(session, revision, based_on, current, section)
    record(session, site, actor, now, "note_section_saved", section=section, version=revision.version)
    session.flush()
    return revision


def _editable(key: str, saved: dict) -> Section:
    body = saved[key].body_md if saved[key] is not None else EMPTY
    return Section(NOTE_SECTIONS[key][0], tuple(markdown_paragraphs(body)), markdown=body, level=1,
                   meta={"section": key, "version": saved[key].version if saved[key] else 0})


def project_note(session: Session, site: Site, today: date) -> tuple[str, str, list[Section]]:
    """Title, subtitle and sections of the project note, for HTML, PDF and DOCX alike."""
    workflow = workflow_of(site)
    saved = note_sections(session, site)
    decisions = current_decisions(session, site)
    facts = [f"Établissement : {site.establishment or '-'}", f"Démarrage : {day_text(site.start_on)}",
             f"Ouverture visée : {day_text(site.target_opening_on)}"]
    facts += [f"{workflow.decision(k).label.fr} : {d.value}" for k, d in decisions.items()]
    sections = [Section("Le projet", tuple(facts)), _editable("objectives", saved), _editable("needs", saved),
                _editable("method", saved)]
    sections.append(Section("Les étapes de la méthode", table=(("Étape", "Durée", "Ce qu'elle produit"),) + tuple(
        (s.label.fr, f"{s.duration.min} à {s.duration.max} mois", s.goal.fr) for s in workflow.stages), level=2))
    plan = planned(site)
    rows = [("Étape", "Début au plus tôt", "Début au plus tard", "Fin au plus tard")]
    for sp in plan.stages:
        rows.append((workflow.stage(sp.stage_id).label.fr, day_text(sp.start.earliest, "fr", "short"),
                     day_text(sp.start.latest, "fr", "short"), day_text(sp.end.latest, "fr", "short")))
    sections.append(Section("Rétroplanning", ("Calculé à rebours depuis la date d'ouverture visée.",),
                            table=tuple(rows)))
    from ..next_steps import role_label

    carriers = [("Étape", "Tâche", "Portée d'ordinaire par")]
    carriers += [(stage.label.fr, task.label.fr, role_label(workflow, task.role, "fr"))
                 for stage in workflow.stages for task in stage.tasks]
    sections.append(Section("Qui porte les tâches", table=tuple(carriers)))
    roles = [("Instance", "Rôle", "Rythme", "Membres")]
    for c in workflow.committees:
        members = ", ".join(f"{p.name} ({p.organisation.name})" for p in committee_members(session, site, c.id, today))
        cadence = (f"{c.cadence.per_quarter.min} à {c.cadence.per_quarter.max} par trimestre" if c.cadence.per_quarter
                   else f"environ {c.cadence.per_year.min} par an")
        roles.append((c.label.fr, c.purpose.fr, cadence, members or "à désigner"))
    sections.append(Section("Rôles et gouvernance", table=tuple(roles)))
    sections.append(_editable("governance", saved))
    return f"Note de projet - {site.name}", f"Mise à jour du {day_text(today)}", sections
