"""The worst case of rendering a person's Markdown: the longest text the product accepts
(minutes: ``MAX_MINUTES`` characters), made of each pattern known to make Markdown
renderers slow (unclosed brackets and links, emphasis runs, deep quotes and lists, code
spans, entities, many links, long lines, headings, raw HTML), rendered uncached as a
preview is. Tables are the costliest per character, so a text's tables are limited in
cells (``MAX_TABLE_CELLS``): each table pattern is the largest table accepted (long,
wide, or with rows shorter than the header, which cmark fills with empty cells), the
rest of the text being the same rows as a paragraph. The figure is the slowest pattern;
the target is 200 ms (the issue measured 88 s for 300,000 ``[`` with the renderer used
before)."""
from __future__ import annotations

import time

PATTERNS = ("[", "![", "[a](", "[](", "[a]", "*a", "**a", "*a**", "_a", "a`", "`", "<a", "<", "\\", "&#",
            "&amp;", ">", "> ", "- ", "- a\n  ", "1. ", "* ", "> - ", "|", "a|b\n", "[x]: y\n", "~~a",
            # many links, autolinks, titled links and images, each a tag to check
            "[a](b) ", "[](b)", "<http://e.org> ", '[a](b "c") ', "![a](b) ", "<b>",
            "*", "_", "~", "**a*", "*a _b **c __d ", "# a\n", "a  \n", "```\n", "&#x1F600;")


def _fill(pattern: str, limit: int) -> str:
    return (pattern * (limit // len(pattern) + 1))[:limit]


def _indented_lists(limit: int) -> str:
    """Each item one level deeper than the one before (the text grows with the square of the depth)."""
    lines, size, depth = [], 0, 0
    while size < limit:
        lines.append("  " * depth + "- a\n")
        size += len(lines[-1])
        depth += 1
    return "".join(lines)[:limit]


def _largest_table(header: str, delimiter: str, row: str, columns: int, limit: int) -> str:
    """The largest table accepted, then the same rows as a paragraph up to ``limit``."""
    from setupflow.documents.markdown import MAX_TABLE_CELLS

    rows = MAX_TABLE_CELLS // columns - 2  # the header and the delimiter row count as rows
    table = header + delimiter + row * rows
    return (table + "\n" + _fill(row, limit))[:limit]


def texts(limit: int):
    """(name, text) for each pattern, ``limit`` characters long (tables: as large as accepted)."""
    for pattern in PATTERNS:
        yield repr(pattern), _fill(pattern, limit)
    yield "long line", "a" * limit
    yield "distinct links", "".join(f"[](&amp;{i})" for i in range(limit // 8))[:limit]
    yield "indented lists", _indented_lists(limit)
    yield "table rows", _largest_table("a|b\n", "-|-\n", "c|d\n", 2, limit)
    yield "wide table", _largest_table("|a" * 100 + "|\n", "|-" * 100 + "|\n", "|b" * 100 + "|\n", 100, limit)
    yield "table rows filled with empty cells", _largest_table("|a" * 100 + "|\n", "|-" * 100 + "|\n", "b\n", 100, limit)


def worst_case(limit: int, repeat: int = 1) -> tuple[float, str, list[tuple[str, float]]]:
    """The slowest render (seconds, best of ``repeat``), its pattern, and every time."""
    from setupflow.documents.markdown import markdown_to_html

    times = []
    for name, text in texts(limit):
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            markdown_to_html(text, 1, cache=False)
            best = min(best, time.perf_counter() - started)
        times.append((name, best))
    name, slowest = max(times, key=lambda t: t[1])
    return slowest, name, times


def bench_rendering(report, quick: bool) -> None:
    from setupflow.committees.minutes import MAX_MINUTES

    from .harness import Figure

    slowest, name, times = worst_case(MAX_MINUTES, repeat=2 if quick else 5)
    ms = slowest * 1000
    report.add(Figure(f"markdown worst case, {MAX_MINUTES:,} characters", ms, "ms", target="< 200", met=ms < 200,
                      note=f"slowest of {len(times)} patterns: {name}, uncached (a preview); saved texts are "
                           "rendered once"))
