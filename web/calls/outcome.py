"""A call that ended without a selection: closing it as unsuccessful (the same as
``setupflow calls unsuccessful``). It stays in the record; the call page then offers to
draft the next call of the same kind (``calls.create``)."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import login_required

from setupflow.calls import operations as ops
from setupflow.errors import InputError

from ..db import db_session
from ..scope import actor
from ..work_pages import done, now, site_for
from .routes import bp, call_of, refused


@bp.post("/sites/<int:site_id>/calls/<int:call_id>/unsuccessful")
@login_required
def unsuccessful(site_id, call_id):
    site = site_for(site_id, edit=True)
    call = call_of(site, call_id)
    form = request.form.to_dict()
    try:
        ops.close_unsuccessful(db_session(), site, call, form.get("reason", ""), actor=actor(), now=now())
    except InputError as exc:
        return refused(site, call, exc, form)
    return done("calls.show", site, _("Call closed as unsuccessful; it stays in the record. You can now draft a "
                                      "new call."), "publication", call_id=call.id)
