"""Every document a site produces, from its data: ``render(session, settings, site, kind,
fmt, now, meeting=None)`` returns bytes for html, pdf or docx.

Meeting documents (invitation, agenda, minutes) need a meeting; the others are per site.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import inputs
from .. import ics as calendar_output
from ..clock import local_date
from ..committees.minutes import current_minutes
from ..committees.models import ActionItem, Meeting
from ..config import Settings
from ..definitions import vocabulary
from ..errors import InputError
from ..sites.decisions import decision_log
from ..sites.models import Decision, Site
from ..sites.runtime import workflow_of
from ..team.models import Organisation, Person
from .note import project_note
from .render import Section, day_text, html_to_pdf, render_template, sections_to_docx

MEETING_KINDS = ("invitation", "agenda", "minutes")
SITE_KINDS = ("decisions", "project_note", "team_file", "diagnostic")
KINDS = MEETING_KINDS + SITE_KINDS
DOCX_KINDS = SITE_KINDS
FORMATS = ("html", "pdf", "docx", "ics")


def meeting_context(session: Session, meeting: Meeting, lang: str = "fr") -> dict:
    site = meeting.site
    committee = workflow_of(site).committee(meeting.committee_id)
    minutes = current_minutes(session, meeting)
    decisions = list(session.scalars(select(Decision).where(Decision.meeting_id == meeting.id).order_by(Decision.id)))
    actions = list(session.scalars(select(ActionItem).where(ActionItem.meeting_id == meeting.id)
                                   .order_by(ActionItem.id)))
    return {"site": site, "meeting": meeting, "committee": committee, "committee_label": committee.label.get(lang),
            "starts": meeting.starts_dt.astimezone(_tz(meeting)), "ends": meeting.ends_dt.astimezone(_tz(meeting)),
            "roles": {r.role: r.person for r in meeting.roles}, "agenda": meeting.agenda,
            "attendees": meeting.attendees, "minutes": minutes, "decisions": decisions, "actions": actions,
            "lang": lang}


def _tz(meeting: Meeting):
    from zoneinfo import ZoneInfo

    return ZoneInfo(meeting.timezone)


@dataclass(frozen=True)
class Invitation:
    subject: str
    text: str
    html: str
    ics: bytes


def invitation(session: Session, settings: Settings, meeting: Meeting, now: datetime,
               lang: str = "fr") -> Invitation:
    """The invitation e-mail (text and HTML) and its .ics, in ``lang`` (fr or en)."""
    ctx = meeting_context(session, meeting, lang)
    lang = "en" if lang == "en" else "fr"
    subject = render_template(settings.templates_dir, f"email/invitation.{lang}.subject.txt", **ctx).strip()
    text = render_template(settings.templates_dir, f"email/invitation.{lang}.txt", **ctx)
    html = render_template(settings.templates_dir, f"email/invitation.{lang}.html", subject=subject, **ctx)
    ics = calendar_output.invitation(
        calendar_output.meeting_fields(meeting, subject, text), stamp=now,
        method="CANCEL" if meeting.status == "cancelled" else "REQUEST",
        attendees=[calendar_output.Attendee(a.person.email, a.person.name) for a in meeting.attendees],
        organizer=settings.mail_sender.rpartition("<")[2].strip(" >"))
    return Invitation(subject, text, html, ics)


def _decision_rows(decisions: list[Decision], workflow) -> tuple:
    rows = [("Date", "Décision", "Valeur", "État")]
    for d in decisions:
        label = workflow.decision(d.key).label.fr if d.key else "-"
        state = "en vigueur" if d.is_current else f"remplacée : {d.superseded_reason}"
        rows.append((day_text(d.decided_on, "fr", "short"), f"{label} - {d.text}" if d.key else d.text, d.value or "", state))
    return tuple(rows)


def site_sections(session: Session, site: Site, kind: str, now: datetime,
                  meeting: Meeting | None = None) -> tuple[str, str, list[Section]]:
    today = local_date(now)
    workflow = workflow_of(site)
    if kind == "project_note":
        return project_note(session, site, today)
    if kind == "decisions":
        decisions = decision_log(session, site)
        subtitle = f"Au {day_text(today)}"
        if meeting is not None:
            decisions = [d for d in decisions if d.meeting_id == meeting.id]
            committee = workflow.committee(meeting.committee_id).label.fr
            subtitle = f"{committee}, réunion du {day_text(local_date(meeting.starts_dt))}"
        return (f"Relevé de décisions - {site.name}", subtitle,
                [Section("Décisions", ("Aucune décision enregistrée.",) if not decisions else (),
                         table=_decision_rows(decisions, workflow) if decisions else ())])
    if kind == "team_file":
        sections = []
        orgs = session.scalars(select(Organisation).where(Organisation.site_id == site.id).order_by(Organisation.name))
        for org in orgs:
            people = session.scalars(select(Person).where(Person.organisation_id == org.id)
                                     .order_by(Person.left_on.is_not(None), Person.name)).unique()
            rows = [("Nom", "Fonction", "Courriel", "Téléphone", "Instances", "Statut")]
            for p in people:
                seats = ", ".join(sorted({workflow.committee(m.committee_id).label.fr for m in p.memberships
                                          if m.is_current(today)})) or "-"
                status = "actif" if p.is_active else f"parti le {day_text(p.left_on, 'fr', 'short')}"
                rows.append((p.name, p.function or "-", p.email, p.phone or "-", seats, status))
            category = vocabulary.current().category_label(org.category, "fr")
            heading = org.name if category.casefold() in org.name.casefold() else f"{org.name} ({category})"
            sections.append(Section(heading, table=tuple(rows), level=2))
        if not sections:
            sections.append(Section("Équipe", ("Aucune personne enregistrée.",)))
        return f"Fichier de l'équipe projet - {site.name}", f"Au {day_text(today)}", sections
    if kind == "diagnostic":
        return f"Diagnostic - {site.name}", f"Au {day_text(today)}", diagnostic_sections(session, site)
    raise InputError(code="choice.invalid", field="kind", value=kind, allowed=list(SITE_KINDS))


HYPOTHESIS_WORDS = {"open": "ouverte", "confirmed": "confirmée", "refuted": "infirmée"}


def diagnostic_sections(session: Session, site: Site) -> list[Section]:
    """The diagnostic as a document: aggregates (small counts suppressed as on screen), the
    interviews' themes, and the conclusions with each starting hypothesis marked confirmed,
    refuted or open."""
    from ..diagnostic import queries

    if workflow_of(site).work.diagnostic is None:
        return [Section("Diagnostic", ("Le parcours de ce site ne comporte pas de diagnostic.",))]
    data = queries.summary(session, site, "fr")
    sections = []
    for table in data["indicators"]:
        rows = [("Catégorie", "Effectif")] + [(c["label"], c["count"]) for c in table["cells"]]
        rows.append(("Total", table["total"]))
        sections.append(Section(table["label"], table=tuple(rows), level=2))
    if not sections:
        sections.append(Section("Indicateurs", ("Aucun indicateur enregistré.",)))
    else:
        sections.insert(0, Section("Indicateurs", ("Chiffres agrégés ; les petits effectifs sont masqués.",)))
    themes = [f"{theme} ({n})" for theme, n in data["themes"].items()]
    sections.append(Section("Entretiens", (f"{len(data['interviews'])} entretien(s).",
                                           "Thèmes : " + (", ".join(themes) or "aucun") + ".")))
    hypotheses = data["hypotheses"]
    rows = [("Hypothèse de départ", "État", "Constat")] + [
        (h["statement"], HYPOTHESIS_WORDS.get(h["status"], h["status"]), h["finding"] or "-") for h in hypotheses]
    sections.append(Section("Conclusions", (data["conclusions"] or "Conclusions non rédigées.",)))
    sections.append(Section("Hypothèses de départ",
                            () if hypotheses else ("Aucune hypothèse de départ enregistrée.",),
                            table=tuple(rows) if hypotheses else (), level=2))
    return sections


def render_html(session: Session, settings: Settings, site: Site, kind: str, now: datetime,
                meeting: Meeting | None = None) -> str:
    if kind in MEETING_KINDS:
        if meeting is None:
            raise InputError(code="document.meeting_required", field="meeting", kind=kind)
        if meeting.site_id != site.id:
            raise InputError(code="document.meeting_other_site", field="meeting", meeting=meeting.id)
        if kind == "invitation":
            return invitation(session, settings, meeting, now).html
        return render_template(settings.templates_dir, f"documents/{kind}.html",
                               **meeting_context(session, meeting))
    title, subtitle, sections = site_sections(session, site, kind, now, _own(site, meeting))
    return render_template(settings.templates_dir, "documents/sections.html", title=title, subtitle=subtitle,
                           sections=sections, site=site)


def _own(site: Site, meeting: Meeting | None) -> Meeting | None:
    if meeting is not None and meeting.site_id != site.id:
        raise InputError(code="document.meeting_other_site", field="meeting", meeting=meeting.id)
    return meeting


def render(session: Session, settings: Settings, site: Site, kind: str, fmt: str, now: datetime,
           meeting: Meeting | None = None) -> bytes:
    if kind not in KINDS:
        raise InputError(code="choice.invalid", field="kind", value=kind, allowed=list(KINDS))
    if meeting is not None and kind in MEETING_KINDS and not inputs.within_bounds(meeting.starts_dt):
        # stored by an older release at a date no calendar reaches: say so rather than fail
        raise InputError(code="meeting.date_out_of_range", field="starts", value=meeting.starts_dt.date(),
                         low=inputs.LOW.year, high=inputs.HIGH.year)
    if fmt == "docx":
        if kind not in DOCX_KINDS:
            raise InputError(code="document.docx_kinds", field="format", kind=kind, allowed=list(DOCX_KINDS))
        title, subtitle, sections = site_sections(session, site, kind, now, _own(site, meeting))
        return sections_to_docx(title, sections, subtitle)
    if fmt == "ics":
        if kind != "invitation" or meeting is None or meeting.site_id != site.id:
            raise InputError(code="document.ics_invitation_only", field="format")
        return invitation(session, settings, meeting, now).ics
    html = render_html(session, settings, site, kind, now, meeting)
    if fmt == "html":
        return html.encode("utf-8")
    if fmt == "pdf":
        return html_to_pdf(html, base_url=str(settings.templates_dir))
    raise InputError(code="choice.invalid", field="format", value=fmt, allowed=list(FORMATS))
