"""The project note (editable sections, versions, optimistic locking) and the downloads of
every generated document, as attachments, to the people who may see the site."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from setupflow.accounts import access
from setupflow.committees import operations as meetings
from setupflow.documents import build
from setupflow.documents.markdown import markdown_to_html
from setupflow.documents.note import NOTE_SECTIONS, checked_section, note_sections, save_note_section
from setupflow.errors import InputError, StaleEdit

from ..db import discard_changes, settings
from ..i18n import current_language
from ..inputs import content_disposition
from ..problems import explain
from ..scope import actor, allowed, current_account, db_session, done, now, owned, visible_site

bp = Blueprint("documents", __name__)
CONTENT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "ics": "text/calendar; charset=utf-8; method=REQUEST"}
#: the formats each document comes in
SITE_FORMATS = {kind: ("html", "pdf", "docx") for kind in build.SITE_KINDS}
MEETING_FORMATS = {"invitation": ("ics", "html"), "agenda": ("html", "pdf"), "minutes": ("html", "pdf")}


def _attachment(data: bytes, filename: str, fmt: str) -> Response:
    return Response(data, headers={"Content-Type": CONTENT_TYPES[fmt],
                                   "Content-Disposition": content_disposition(filename),
                                   "X-Content-Type-Options": "nosniff"})


@bp.get("/sites/<int:site_id>/documents/<kind>.<fmt>")
@login_required
def site_document(site_id, kind, fmt):
    site = visible_site(site_id)
    if fmt not in SITE_FORMATS.get(kind, ()):
        abort(404)
    data = build.render(db_session(), settings(), site, kind, fmt, now())
    return _attachment(data, f"{kind}-site-{site.id}.{fmt}", fmt)


@bp.get("/sites/<int:site_id>/meetings/<int:meeting_id>/documents/<kind>.<fmt>")
@login_required
def meeting_document(site_id, meeting_id, kind, fmt):
    site = visible_site(site_id)
    meeting = owned(meetings.get_meeting, site, meeting_id)
    if fmt not in MEETING_FORMATS.get(kind, ()):
        abort(404)
    try:
        data = build.render(db_session(), settings(), site, kind, fmt, now(), meeting=meeting)
    except InputError as exc:  # a meeting stored at an impossible date: say so, no 500
        return render_template("errors/error.html", title=_("Bad request"), message=explain(exc)), 400
    return _attachment(data, f"{kind}-meeting-{meeting.id}.{fmt}", fmt)


def render_note(site, status=200, edited=None):
    """``edited``: (section, text, based_on, preview html or None, error or None) to show in its form."""
    saved = note_sections(db_session(), site)
    lang = current_language()
    sections = []
    for key, names in NOTE_SECTIONS.items():
        revision = saved[key]
        item = {"key": key, "label": names[0 if lang == "fr" else 1], "revision": revision,
                "version": revision.version if revision else 0,
                "html": markdown_to_html(revision.body_md, 2) if revision else None,
                "body": revision.body_md if revision else "", "based_on": revision.version if revision else 0,
                "preview": None, "error": None}
        if edited and edited[0] == key:
            item.update(body=edited[1], based_on=edited[2], preview=edited[3], error=edited[4])
        sections.append(item)
    return render_template("documents/note.html", site=site, sections=sections, lang=lang, subnav="note",
                           formats=SITE_FORMATS, can_edit=access.can_edit_site(current_account(), site)), status


@bp.get("/sites/<int:site_id>/note")
@login_required
def note(site_id):
    return render_note(visible_site(site_id))


@bp.post("/sites/<int:site_id>/note/<section>")
@login_required
def save_section(site_id, section):
    site = visible_site(site_id)
    allowed(access.can_edit_site, site)
    if section not in NOTE_SECTIONS:
        abort(404)
    body = request.form.get("body") or ""
    try:
        based_on = int(request.form.get("based_on") or 0)
    except ValueError:
        abort(400)
    if "preview" in request.form:
        try:  # the length is checked before anything is rendered; a preview is never cached
            preview = markdown_to_html(checked_section(section, body), 2, cache=False)
        except InputError as exc:
            return render_note(site, 400, (section, body, based_on, None, explain(exc)))
        return render_note(site, edited=(section, body, based_on, preview, None))
    try:
        save_note_section(db_session(), site, section, body, based_on, actor(), now())
    except StaleEdit:
        discard_changes()
        message = _("Someone saved this section while you were writing: your text was NOT saved. It is still "
                    "in the form below; compare it with the current version, merge, and save again.")
        return render_note(site, 409, (section, body, based_on, None, message))
    except InputError as exc:
        discard_changes()
        return render_note(site, 400, (section, body, based_on, None, explain(exc)))
    return done(_("Section saved."), url_for("documents.note", site_id=site.id) + f"#section-{section}")
