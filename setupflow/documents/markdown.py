"""Markdown written by people (minutes, note sections) to safe HTML.

cmark-gfm (the C reference implementation, with GitHub's table extension) renders: its
time is linear in the text whatever the text is (300,000 ``[`` take milliseconds, where
the pure-Python renderer used before took minutes). It runs in its safe mode: raw HTML in
the source is not passed through (a tag is left out as a comment, its text stays), a link
to a ``javascript:`` (or other unsafe) target gets an empty one, and every character of
text and of attribute values is escaped (``<``, ``>``, ``&`` and ``"`` never reach the
output raw). So every ``<`` of cmark's output opens a tag cmark itself wrote, and one
regular-expression pass (``allow_listed``) keeps exactly a fixed set of bare tags,
rebuilds each link from its checked target (http, https, mailto or relative, with
``rel="noopener noreferrer"``), and removes anything else (comments, images, alignment
and language attributes); a ``<`` that opens no tag is escaped. The pass does not trust
cmark: whatever string it is given, its output holds no tag outside that set. The
general-purpose sanitiser used before (nh3) re-parsed the whole HTML and took most of
the time of the worst case (a 50,000-row table, 200 ms to 400 ms); the tests check that
nh3 finds nothing to remove in what we produce. A text whose elements nest deeper than
``MAX_DEPTH`` (thousands of ``>`` make thousands of nested quotes, which no person writes)
is shown as plain paragraphs instead; a line opening more than ``MAX_DEPTH`` quotes is
recognised before cmark runs.

Tables cost cmark the most per character (a cell per ``|``, and a row shorter than its
header is filled with empty cells: a 100-column header over 100,000 one-character rows
makes half a million cells and 5 MB of HTML). A text's tables may hold ``MAX_TABLE_CELLS``
cells together (``table_cells`` bounds them from the source, before cmark runs): a longer
text is refused when saved (``checked_tables``, code ``text.table_too_large``), and one
stored before the limit is shown as plain paragraphs. Minutes' tables (attendance, budget
lines, a calendar) hold tens to hundreds of cells.

Stored texts (a revision of minutes or of a note section never changes) are rendered once
and kept in a bounded in-memory cache keyed on their content; previews (``cache=False``)
are rendered every time and never evict them. ``benchmarks`` prints the worst render time
of the longest accepted text (``python -m benchmarks --quick``, "markdown worst case").
"""
from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from html import unescape
from itertools import accumulate

import cmarkgfm
from cmarkgfm.cmark import Options
from markupsafe import Markup, escape

from ..errors import InputError

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "code",
                "pre", "hr", "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
#: deeper nesting of elements than this is not a document: the text is shown as plain paragraphs
MAX_DEPTH = 40
#: the tables of one text hold at most this many cells together (a 10-column table of 2,000 rows)
MAX_TABLE_CELLS = 20_000
#: texts shorter than this are rendered every time (microseconds); longer ones are cached
CACHE_FROM = 2_000
#: the cache holds at most this many characters of HTML (about 64 MB)
CACHE_CHARS = 32_000_000

#: the elements cmark-gfm can nest without bound (a paragraph, heading, code block or table
#: adds a few levels at most: tables do not nest and their cells hold inlines only)
_TAG = re.compile(r"<(/?)(?:blockquote|ul|ol|li|em|strong|a|del)[ >]")
_NESTING = ("<blockquote>", "<ul>", "<ol", "<li>", "<em>", "<strong>", "<a", "<del>")
#: a line that opens more than MAX_DEPTH quotes (cmark would build them all, then we would not show them)
_DEEP_QUOTE = re.compile(r"^(?:[ \t]*>){%d}" % (MAX_DEPTH + 1), re.M)
#: the bare tags cmark writes that are kept as they are; every other ``<`` goes through ``_tag``
_BARE = "|".join(("/?(?:p|strong|em|ul|ol|li|blockquote|code|pre|table|thead|tbody|tr|th|td|h[1-6])", "/a", "br /", "hr /"))
_OTHER = re.compile(r"<(?!(?:%s)>)[^<>]*>?" % _BARE)
_LINK = re.compile(r'<a href="([^"<>]*)"(?: title="([^"<>]*)")?>')
_NAMED = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)(?=[\s/>])")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_UNUSUAL = re.compile(r"[\x00-\x20&]")
#: what cmark writes for raw HTML in the source
_OMITTED = "<!-- raw HTML omitted -->"
#: a line that may be a table's delimiter row (``|---|:-:|``), inside quotes or list items too
_DELIMITER = re.compile(r"^[ \t>]*+[-:|][ \t:|-]*+$", re.M)
#: a blank line (in a quote too): it ends every table
_BLANK = re.compile(r"\n(?:[ \t>]*+\n)+")
_STEP = {"": 1, "/": -1}
_cache: OrderedDict[tuple, Markup] = OrderedDict()
_cache_chars = 0
_lock = threading.Lock()


def _depth(html: str) -> int:
    """How deep the elements of cmark's (well-formed) output nest."""
    steps = _TAG.findall(html)
    return max(accumulate(map(_STEP.__getitem__, steps)), default=0)


def _safe_target(href: str) -> bool:
    """Whether a link target (as written in an attribute) is one a browser follows with an
    allowed scheme, or a relative one (no scheme, as the URL standard parses it: leading
    spaces and control characters stripped, tabs and line breaks removed)."""
    if _UNUSUAL.search(href):  # cmark percent-encodes these: only a hand-made string holds them
        href = unescape(href).lstrip("".join(map(chr, range(33))))
        href = href.replace("\t", "").replace("\n", "").replace("\r", "")
    scheme = _SCHEME.match(href)
    return scheme is None or scheme[1].lower() in URL_SCHEMES


def _tag(tag: str) -> str:
    if not tag.endswith(">"):
        return "&lt;" + tag[1:]  # a ``<`` that opens no tag is text
    link = _LINK.fullmatch(tag)
    if link:
        href, title = link[1], link[2]
        if not href or not _safe_target(href):
            return "<a>"  # a link whose target cmark or we refused (javascript:...) keeps its text
        if "&" in href:
            href = escape(unescape(href))
        title = f' title="{escape(unescape(title))}"' if title else ""
        return f'<a href="{href}"{title} rel="noopener noreferrer">'
    named = _NAMED.match(tag)
    if named and named[2].lower() in ALLOWED_TAGS:
        return f"<{named[1]}{named[2].lower()}>"  # alignment, start, language, any other attribute left out
    return ""  # raw HTML cmark left out as a comment, an image, anything else


def allow_listed(html: str) -> str:
    """``html`` with only ALLOWED_TAGS, without attributes except a link's checked target
    and title; every ``<`` that is not one of those tags is removed or escaped."""
    html = html.replace(_OMITTED, "")
    done: dict[str, str] = {}  # a text repeats its links: each distinct tag is checked once

    def replace(match: re.Match) -> str:
        tag = match[0]
        found = done.get(tag)
        if found is None:
            found = done[tag] = _tag(tag)
        return found

    return _OTHER.sub(replace, html)


def table_cells(text: str) -> int:
    """An upper bound of the cells cmark builds for the tables of ``text``: a table ends at a
    blank line and each of its rows has as many cells as its delimiter row, so each block
    between blank lines holds at most (its lines) x (the most columns of a delimiter row in
    it) cells."""
    if "|" not in text:
        return 0
    cells = 0
    for block in _BLANK.split(text.replace("\r\n", "\n").replace("\r", "\n")):  # cmark ends a line at \r too
        if "|" not in block or "-" not in block:
            continue
        columns = 0
        for row in _DELIMITER.finditer(block):
            line = row[0].lstrip(" \t>").strip()
            if "|" in line and "-" in line:
                columns = max(columns, line.removeprefix("|").removesuffix("|").count("|") + 1)
        if columns:
            cells += columns * (block.strip("\n").count("\n") + 1)
    return cells


def checked_tables(text: str, field: str) -> str:
    """``text`` if its tables hold at most ``MAX_TABLE_CELLS`` cells; refused otherwise."""
    cells = table_cells(text)
    if cells > MAX_TABLE_CELLS:
        raise InputError(code="text.table_too_large", field=field, cells=cells, limit=MAX_TABLE_CELLS)
    return text


def _plain(text: str) -> Markup:
    return Markup("".join(f"<p>{escape(p)}</p>\n" for p in markdown_paragraphs(text)))


def _render(text: str, shift_headings: int) -> Markup:
    if _DEEP_QUOTE.search(text) or table_cells(text) > MAX_TABLE_CELLS:
        return _plain(text)  # nesting no person writes, or tables stored before their limit
    html = cmarkgfm.markdown_to_html_with_extensions(text, options=Options.CMARK_OPT_DEFAULT, extensions=["table"])
    if sum(map(html.count, _NESTING)) > MAX_DEPTH and _depth(html) > MAX_DEPTH:
        return _plain(text)
    for level in range(5, 0, -1) if shift_headings else ():  # highest first: a demoted tag is not demoted again
        shifted = min(level + shift_headings, 6)
        html = html.replace(f"<h{level}>", f"<h{shifted}>").replace(f"</h{level}>", f"</h{shifted}>")
    return Markup(allow_listed(html))


def markdown_to_html(text: str | None, shift_headings: int = 0, *, cache: bool = True) -> Markup:
    """Safe HTML; ``shift_headings`` demotes the text's headings (# becomes h3 with 2) so
    that they sit under the document's own. ``cache=False`` for a text that is not stored
    (a preview): rendered, not kept."""
    global _cache_chars
    text = text or ""
    if not cache or len(text) < CACHE_FROM:
        return _render(text, shift_headings)
    key = (shift_headings, hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest())
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    html = _render(text, shift_headings)
    with _lock:
        if key not in _cache:
            _cache[key] = html
            _cache_chars += len(html)
            while _cache_chars > CACHE_CHARS and len(_cache) > 1:
                _cache_chars -= len(_cache.popitem(last=False)[1])
    return html


def cached_renders() -> int:
    """How many rendered texts the cache holds (for the tests and the benchmark)."""
    return len(_cache)


def markdown_paragraphs(text: str | None) -> list[str]:
    """Plain paragraphs of a Markdown text, for formats without HTML (DOCX)."""
    blocks = [b.strip() for b in (text or "").replace("\r\n", "\n").split("\n\n")]
    return [" ".join(line.strip() for line in b.splitlines()) for b in blocks if b]
