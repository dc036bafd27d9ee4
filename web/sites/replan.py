"""Re-planning a site: moving its target opening (``POST /sites/<id>/target-opening``).
A target before the earliest opening the method allows from where the site stands is
asked about in a second step, as at creation; the CLI's ``meetings replan --confirm``
answers the same engine question."""
from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from setupflow.accounts import access
from setupflow.committees.proposals import change_target_opening
from setupflow.errors import InputError

from .. import now
from ..auth.session_user import current_account
from ..db import db_session, discard_changes
from ..problems import explain
from .routes import allowed, back, bp, refused, visible_site


@bp.post("/sites/<int:site_id>/target-opening")
@login_required
def replan(site_id):
    site = visible_site(site_id)
    allowed(access.can_edit_site, site)
    fields = {k: (request.form.get(k) or "").strip() for k in ("opening", "reason")}
    try:
        proposals = change_target_opening(db_session(), site, fields["opening"], access.actor_of(current_account()),
                                          now(), fields["reason"] or None, confirmed=request.form.get("confirm") == "1")
    except InputError as exc:
        if exc.code != "site.replan_before_earliest":
            return refused(site, explain(exc), "replan")
        # the second step: the same engine question, and a button that confirms
        discard_changes()
        return render_template("sites/confirm.html", heading=site.name, question=explain(exc),
                               action=url_for("sites.replan", site_id=site.id),
                               cancel=url_for("sites.show", site_id=site.id), button=_("Keep this target opening"),
                               fields=fields), 409
    flash(_("Target opening moved; %(count)s meeting proposals follow the new plan.", count=len(proposals)), "info")
    return back(site, "replan")
