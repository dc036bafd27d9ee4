"""Markdown written by people (minutes, note sections) to safe HTML.

cmark-gfm (the C reference implementation, with GitHub's table extension) renders: its
time is linear in the text whatever the text is (300,000 ``[`` take milliseconds, where
the pure-Python renderer used before took minutes). Raw HTML in the source is not passed
through (a tag is left out, its text stays) and a link to a ``javascript:`` (or other
unsafe) target keeps its text but no target. A text whose elements nest deeper than ``MAX_DEPTH`` (thousands of ``>``
make thousands of nested quotes, which no person writes and which the sanitiser would
take minutes to walk) is shown as plain paragraphs instead. Then nh3 keeps a small
allow-list of tags; links keep only http, https and mailto targets, so a ``javascript:``
link loses its target.

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
from itertools import accumulate

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from markupsafe import Markup, escape

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "code",
                "pre", "hr", "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
#: deeper nesting of elements than this is not a document: the text is shown as plain paragraphs
MAX_DEPTH = 40
#: texts shorter than this are rendered every time (microseconds); longer ones are cached
CACHE_FROM = 2_000
#: the cache holds at most this many characters of HTML (about 64 MB)
CACHE_CHARS = 32_000_000

_HEADING = re.compile(r"<(/?)h([1-6])>")
#: the elements cmark-gfm can nest without bound (a paragraph, heading, code block or table
#: adds a few levels at most: tables do not nest and their cells hold inlines only)
_TAG = re.compile(r"<(/?)(?:blockquote|ul|ol|li|em|strong|a|del)[ >]")
_STEP = {"": 1, "/": -1}
_cache: OrderedDict[tuple, Markup] = OrderedDict()
_cache_chars = 0
_lock = threading.Lock()


def _depth(html: str) -> int:
    """How deep the elements of cmark's (well-formed) output nest."""
    steps = _TAG.findall(html)
    return max(accumulate(map(_STEP.__getitem__, steps)), default=0)


def _render(text: str, shift_headings: int) -> Markup:
    html = cmarkgfm.markdown_to_html_with_extensions(text, options=Options.CMARK_OPT_DEFAULT, extensions=["table"])
    if html.count("<") > 2 * MAX_DEPTH and _depth(html) > MAX_DEPTH:
        return Markup("".join(f"<p>{escape(p)}</p>\n" for p in markdown_paragraphs(text)))
    html = html.replace('<a href="">', "<a>")  # a link whose target cmark refused (javascript:...)
    if shift_headings:
        html = _HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + shift_headings, 6)}>", html)
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                            link_rel="noopener noreferrer"))


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
