"""The web side of the input edge (``setupflow.inputs``).

Before any view runs, every form field, query parameter and uploaded file name is checked
against the edge's text rule: a NUL or another control character (tab and line breaks
aside) answers 400 naming the field, on every route, logged in or not (on PostgreSQL a NUL
would otherwise reach the database and fail there). Each view then parses its typed fields
(dates, amounts, addresses...) through the same module, so the web, the CLI and import
accept and refuse the same values.

``content_disposition`` is the other end: a download's file name as a header that cannot
carry a line break, a NUL or a bidi override, with the full name in RFC 5987 ``filename*``.
"""
from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from flask import Flask, render_template, request
from flask_babel import gettext as _

from setupflow import inputs
from setupflow.errors import InputError

from .problems import explain


def init_app(app: Flask) -> None:
    app.before_request(_refuse_control_characters)


def _refuse_control_characters():
    for source in (request.args, request.form):
        for field, value in source.items(multi=True):
            code = inputs.problem_in(value) or inputs.problem_in(field)
            if code:
                return _refused(InputError(code=code, field=field, character=_first_bad(value + field)))
    for field, upload in request.files.items(multi=True):
        try:
            inputs.file_name(upload.filename or "", field)
        except InputError as exc:
            return _refused(exc)
    return None


def _first_bad(value: str) -> str:
    for c in value:
        if inputs.problem_in(c) or c in inputs.BIDI_CONTROLS:
            return f"U+{ord(c):04X}"
    return "?"


def _refused(exc: InputError):
    label = inputs.printable(exc.field or "")[:60]
    return render_template("errors/error.html", title=_("Bad request"),
                           message=_("%(field)s: %(problem)s Nothing was saved.", field=label,
                                     problem=explain(exc))), 400


_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"\\;]")


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """``attachment; filename="plain ASCII"; filename*=UTF-8''percent-encoded``: whatever
    was stored (a NUL, a line break, a bidi override), the header stays one safe line."""
    name = inputs.printable(filename or "")
    name = "".join(c for c in name if c not in inputs.BIDI_CONTROLS and c not in "\r\n\t").strip() or "download"
    name = name.replace("/", "_").replace("\\", "_")
    fallback = _UNSAFE.sub("_", name.encode("ascii", "replace").decode("ascii").replace("?", "_"))
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def safe_next(target: str | None) -> str | None:
    """Where to go after signing in: a path of this site only (no scheme, host or ``//``), else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
