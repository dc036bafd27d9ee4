"""The glossary page, and the ``glossary_links`` filter that links acronyms to it."""
from __future__ import annotations

import re

from flask import Blueprint, current_app, g, render_template, url_for
from markupsafe import Markup, escape

from setupflow.definitions.schema import GlossaryEntry

from ..db import catalog
from ..i18n import current_language

bp = Blueprint("glossary", __name__)


def glossary_entries() -> list[GlossaryEntry]:
    """Every term of every loaded definition, once, sorted (the first definition wins)."""
    cached = current_app.extensions.get("setupflow_glossary")
    if cached is not None:
        return cached
    seen: dict[str, GlossaryEntry] = {}
    for loaded in catalog():
        for entry in loaded.workflow.glossary:
            seen.setdefault(entry.term, entry)
    entries = sorted(seen.values(), key=lambda e: e.term.lower())
    current_app.extensions["setupflow_glossary"] = entries
    return entries


def anchor(term: str) -> str:
    return "term-" + re.sub(r"[^A-Za-z0-9]+", "-", term).strip("-").lower()


_matchers: dict[tuple, tuple] = {}


def _matcher(terms: tuple, entries) -> tuple[dict, re.Pattern]:
    """The terms by name and their pattern, built once per glossary (not per call)."""
    found = _matchers.get(terms)
    if found is None:
        by_term = {e.term: e for e in entries}
        pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(t) for t in sorted(by_term, key=len, reverse=True))
                             + r")(?![\w-])")
        found = _matchers[terms] = (by_term, pattern)
    return found


def link_terms(text: str, entries: list[GlossaryEntry], lang: str, href) -> Markup:
    """Escape ``text`` and wrap every glossary term in ``<abbr><a></a></abbr>``."""
    if not text:
        return Markup("")
    if not entries:
        return escape(text)
    by_term, pattern = _matcher(tuple(e.term for e in entries), entries)
    out, last = [], 0
    for match in pattern.finditer(text):
        entry = by_term[match.group(1)]
        out.append(escape(text[last:match.start()]))
        out.append(Markup('<abbr title="{}"><a href="{}">{}</a></abbr>').format(
            entry.expansion.get(lang), href(entry.term), entry.term))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def init_glossary(app) -> None:
    @app.template_filter("glossary_links")
    def _glossary_links(text):
        # a translated string with escaped parameters arrives as Markup: back to plain text first
        text = text.unescape() if isinstance(text, Markup) else str(text or "")
        # the same label on every row of a table is linked once per request
        done = g.setdefault("glossary_links", {})
        key = (text, current_language())
        if key not in done:
            done[key] = link_terms(text, glossary_entries(), key[1],
                                   lambda term: url_for("glossary.index") + "#" + anchor(term))
        return done[key]


@bp.get("/glossary")
def index():
    return render_template("glossary/index.html", entries=glossary_entries(), anchor=anchor,
                           lang=current_language())
