"""Markdown written by people (minutes, note sections) to safe HTML.

markdown-it-py renders (raw HTML in the source is not passed through), then nh3 keeps a
small allow-list of tags; links keep only http, https and mailto targets, so a
``javascript:`` link loses its target.
"""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "code",
                "pre", "hr", "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def markdown_to_html(text: str | None, shift_headings: int = 0) -> Markup:
    """Safe HTML; ``shift_headings`` demotes the text's headings (# becomes h3 with 2) so
    that they sit under the document's own."""
    tokens = _md.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + shift_headings, 6)}"
    html = _md.renderer.render(tokens, _md.options, {})
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                            link_rel="noopener noreferrer"))


def markdown_paragraphs(text: str | None) -> list[str]:
    """Plain paragraphs of a Markdown text, for formats without HTML (DOCX)."""
    blocks = [b.strip() for b in (text or "").replace("\r\n", "\n").split("\n\n")]
    return [" ".join(line.strip() for line in b.splitlines()) for b in blocks if b]
