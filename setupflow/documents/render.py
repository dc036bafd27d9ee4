"""The generic renderer: a Jinja2 template to HTML or text, HTML to PDF (WeasyPrint),
and structured sections to DOCX (python-docx).

Templates live in ``settings.templates_dir``; undefined variables are errors
(StrictUndefined) and HTML templates are autoescaped.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..inputs import finalize, printable
from ..clock import installation_zone, zone
from .markdown import markdown_to_html



def day_text(day: date | datetime, lang: str = "fr", form: str = "long") -> str:
    """A date as its reader writes it, through Babel's data for their language (never by
    hand): ``short`` 12/03/2027 | 3/12/27, ``medium`` 12 mars 2027 | Mar 12, 2027, ``long``
    12 mars 2027 | March 12, 2027, ``full`` vendredi 12 mars 2027 | Friday, March 12, 2027.
    A datetime gives its own (local) date."""
    from babel.dates import format_date

    if isinstance(day, datetime):
        day = day.date()
    return format_date(day, format=form, locale="en" if lang == "en" else "fr")


def long_date(day: date | datetime, lang: str = "fr") -> str:
    """The weekday and date (``vendredi 12 mars 2027``, ``Friday, March 12, 2027``)."""
    return day_text(day, lang, "full")


def local_time(dt: datetime, tz: str | None = None) -> datetime:
    return dt.astimezone(zone(tz) if tz else installation_zone())


@lru_cache(maxsize=8)
def environment(templates_dir: Path) -> Environment:
    env = Environment(loader=FileSystemLoader(str(templates_dir)), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html", "xml"], default_for_string=False),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, finalize=finalize)
    env.filters["markdown"] = markdown_to_html
    env.filters["long_date"] = long_date
    env.filters["day"] = day_text
    env.filters["local_time"] = local_time
    return env


def render_template(templates_dir: Path, name: str, **context) -> str:
    return environment(Path(templates_dir)).get_template(name).render(**context)


#: every PDF is tagged for accessibility (PDF/UA): a public service's documents fall under
#: the same rules (RGAA) as its pages; the language and title come from <html lang> and <title>
PDF_VARIANT = "pdf/ua-1"


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf(pdf_variant=PDF_VARIANT)


@dataclass(frozen=True)
class Section:
    """A part of a structured document: a heading, paragraphs, and optionally a table
    (first row is the header)."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    table: tuple[tuple[str, ...], ...] = ()
    level: int = 1
    #: Markdown source of an editable section (HTML output renders it; DOCX uses paragraphs)
    markdown: str | None = None
    meta: dict = field(default_factory=dict)


def sections_to_docx(title: str, sections: list[Section], subtitle: str | None = None, lang: str = "fr") -> bytes:
    """A DOCX whose title and headings use Word's heading styles (Title, Heading 1...), with
    its title and language in the document's properties (read by screen readers)."""
    from docx import Document

    # every text through ``printable``: XML cannot hold NUL or other C0 controls, and a row
    # stored before the input edge may (python-docx refuses them: the download answered 500)
    doc = Document()
    title = printable(title)
    doc.core_properties.title = title
    doc.core_properties.language = "en-GB" if lang == "en" else "fr-FR"
    doc.add_heading(title, level=0)
    if subtitle:
        doc.add_paragraph(printable(subtitle))
    for section in sections:
        doc.add_heading(printable(section.heading), level=section.level)
        for paragraph in section.paragraphs:
            doc.add_paragraph(printable(paragraph))
        if section.table:
            header, *rows = section.table
            table = doc.add_table(rows=1, cols=len(header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, header):
                cell.text = printable(text)
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in rows:
                cells = table.add_row().cells
                for cell, text in zip(cells, row):
                    cell.text = printable(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
