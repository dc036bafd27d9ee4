"""The review ("bilan") of an edition, assembled from its data: the figures, one part per
laureate, and the texts the staff wrote (difficulties, first impacts...), in the order of
the definition's ``review`` outline. Every count goes through the same screen as the pages
(queries.figures): a count of people under the threshold is never printed.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..definitions.programme import Programme
from ..documents.render import Section
from .models import Edition
from .queries import figures

WORDS = {"fr": {"indicator": "Indicateur", "total": "Total", "count": "Nombre", "to_write": "(à rédiger)",
                "carried_by": "Porté par", "department": "Département", "path": "Parcours",
                "parrains": "Parrains"},
         "en": {"indicator": "Indicator", "total": "Total", "count": "Count", "to_write": "(to be written)",
                "carried_by": "Carried by", "department": "Department", "path": "Path", "parrains": "Sponsors"}}


def review_sections(session: Session, programme: Programme, edition: Edition, lang: str = "fr") -> list[Section]:
    words = WORDS["en" if lang == "en" else "fr"]
    laureates = {lt.id: lt.project for lt in edition.laureates}
    rows = {r["id"]: r for r in figures(session, programme, [edition.id], laureates, lang=lang)}
    sections = []
    for part in programme.review:
        wanted = [rows[i] for i in (part.indicators or [i.id for i in programme.indicators])]
        if part.kind == "figures":
            table = ((words["indicator"], words["total"]),) + tuple((r["label"], r["total"]) for r in wanted)
            sections.append(Section(part.title.get(lang), table=table))
        elif part.kind == "laureates":
            sections.append(Section(part.title.get(lang)))
            for laureate in edition.laureates:
                facts = [f"{words['carried_by']} : {', '.join(laureate.organisations)}",
                         f"{words['department']} : {laureate.department}", laureate.purpose]
                if laureate.path:
                    facts.append(f"{words['path']} : {laureate.path}")
                if laureate.parrains:
                    facts.append(f"{words['parrains']} : {', '.join(laureate.parrains)}")
                counts = tuple((r["label"], next(line["count"] for line in r["lines"]
                                                 if line["laureate_id"] == laureate.id)) for r in wanted)
                sections.append(Section(laureate.project, paragraphs=tuple(facts), level=2,
                                        table=((words["indicator"], words["count"]),) + counts))
        else:
            text = (edition.review_texts or {}).get(part.id) or words["to_write"]
            sections.append(Section(part.title.get(lang), paragraphs=tuple(p for p in text.split("\n") if p.strip())))
    return sections


def review_title(programme: Programme, edition: Edition, lang: str = "fr") -> tuple[str, str]:
    word = "Bilan" if lang != "en" else "Review"
    return f"{word} - {programme.title.get(lang)}", edition.label


def render_review(session: Session, programme: Programme, edition: Edition, *, fmt: str = "html", lang: str = "fr",
                  templates_dir=None) -> bytes:
    from ..config import Settings
    from ..documents.render import html_to_pdf, render_template, sections_to_docx

    title, subtitle = review_title(programme, edition, lang)
    sections = review_sections(session, programme, edition, lang)
    if fmt == "docx":
        return sections_to_docx(title, sections, subtitle)
    templates_dir = templates_dir or Settings.from_env().templates_dir
    html = render_template(templates_dir, "documents/sections.html", title=title, subtitle=subtitle,
                           sections=sections, site={"name": programme.title.get(lang)})
    return html_to_pdf(html) if fmt == "pdf" else html.encode("utf-8")
