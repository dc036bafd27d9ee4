"""The call as a document: its context, rendered to HTML by templates/documents/call.html,
to PDF from that HTML and to DOCX from the same content as sections, by the generic
renderer of setupflow/documents/render.py (``render_call``).
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..clock import department_zone
from ..sites.models import Site
from .models import Call

LABELS = {
    "fr": {"site": "Site", "window": "Période de réponse", "text": "L'appel", "needs": "Besoins de la population pénale",
           "realities": "Réalités de l'établissement", "capacity": "Places dans l'atelier", "zone": "Zone d'atelier",
           "surveillance": "Contraintes de surveillance", "criteria": "Critères de sélection",
           "criterion": "Critère", "weight": "Poids", "visits": "Visites de la zone d'atelier et échanges",
           "distribution": "Diffusion", "unknown": "à préciser", "visit": "visite", "bilateral": "rencontre"},
    "en": {"site": "Site", "window": "Answer window", "text": "The call", "needs": "Needs of the prison population",
           "realities": "Realities of the establishment", "capacity": "Places in the workshop",
           "zone": "Workshop zone", "surveillance": "Surveillance constraints", "criteria": "Selection criteria",
           "criterion": "Criterion", "weight": "Weight", "visits": "Workshop-zone visits and meetings",
           "distribution": "Distribution", "unknown": "to be specified", "visit": "visit", "bilateral": "meeting"},
}


def _environment(templates_dir: Path) -> Environment:
    return Environment(loader=FileSystemLoader(str(templates_dir)), undefined=StrictUndefined,
                       autoescape=select_autoescape(["html", "xml"], default=True))


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split("\n\n") if p.strip()]


def call_context(site: Site, call: Call, lang: str = "fr") -> dict:
    """Everything the call template needs, as plain data."""
    t = LABELS["en" if lang == "en" else "fr"]
    total = sum(c["weight"] for c in call.criteria) or 1
    criteria = [{"label": c["label"], "weight": c["weight"],
                 "percent": str((Decimal(100) * c["weight"] / total).quantize(Decimal("1"), ROUND_HALF_UP))}
                for c in call.criteria if c["weight"]]
    from ..documents.render import day_text

    def when(instant):
        local = instant.astimezone(department_zone(site.department))
        return f"{day_text(local, lang)} {local:%H:%M}"

    slots = [{"kind": t[s.kind], "place": s.place, "when": when(s.starts_dt)} for s in call.slots if s.kind == "visit"]
    return {
        "lang": lang, "t": t,
        "site": {"name": site.name, "establishment": site.establishment},
        "call": {"title": call.title, "body": call.body, "needs": call.needs, "capacity": call.capacity,
                 "workshop_zone": call.workshop_zone, "surveillance_constraints": call.surveillance_constraints,
                 "distribution": list(call.distribution),
                 "published_on": day_text(call.published_on, lang) if call.published_on else None,
                 "closes_on": day_text(call.closes_on, lang) if call.closes_on else None},
        "criteria": criteria, "slots": slots,
    }


def render_call_html(templates_dir: Path, site: Site, call: Call, lang: str = "fr") -> str:
    template = _environment(templates_dir).get_template("documents/call.html")
    return template.render(**call_context(site, call, lang), paragraphs=paragraphs)


FORMATS = ("html", "pdf", "docx")


def call_sections(site: Site, call: Call, lang: str = "fr") -> list:
    """The call as structured sections, for DOCX (same content as the HTML template)."""
    from ..documents.render import Section

    ctx = call_context(site, call, lang)
    t, c = ctx["t"], ctx["call"]
    sections = [Section(t["text"], tuple(paragraphs(c["body"]))), Section(t["needs"], tuple(paragraphs(c["needs"]))),
                Section(t["realities"], (
                    f"{t['capacity']} : {c['capacity'] if c['capacity'] is not None else t['unknown']}",
                    f"{t['zone']} : {c['workshop_zone'] or t['unknown']}",
                    f"{t['surveillance']} : {c['surveillance_constraints'] or t['unknown']}")),
                Section(t["criteria"], table=((t["criterion"], t["weight"], "%"),
                                              *((k["label"], str(k["weight"]), k["percent"]) for k in ctx["criteria"])))]
    if ctx["slots"]:
        sections.append(Section(t["visits"], tuple(f"{s['when']} - {s['kind']}" + (f" ({s['place']})" if s["place"]
                                                                                    else "") for s in ctx["slots"])))
    if c["distribution"]:
        sections.append(Section(t["distribution"], (", ".join(c["distribution"]),)))
    return sections


def render_call(templates_dir: Path, site: Site, call: Call, fmt: str, lang: str = "fr") -> bytes:
    """The call document as HTML, PDF (WeasyPrint) or DOCX (python-docx) bytes."""
    from ..documents.render import day_text, html_to_pdf, sections_to_docx
    from ..errors import InputError

    if fmt not in FORMATS:
        raise InputError(code="choice.invalid", field="format", value=fmt, allowed=list(FORMATS))
    if fmt == "docx":
        t = LABELS["en" if lang == "en" else "fr"]
        window = (f"{t['window']} : {day_text(call.published_on, lang)} - {day_text(call.closes_on, lang)}"
                  if call.published_on else None)
        subtitle = f"{t['site']} : {site.name}" + (f" ({site.establishment})" if site.establishment else "")
        return sections_to_docx(call.title, call_sections(site, call, lang),
                                subtitle=subtitle + (f"\n{window}" if window else ""), lang=lang)
    html = render_call_html(templates_dir, site, call, lang)
    return html.encode() if fmt == "html" else html_to_pdf(html)
