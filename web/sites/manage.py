"""Creating a site, and a site's lead account (Cress staff and admins)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from setupflow.accounts import access
from setupflow.accounts import operations as accounts
from setupflow.accounts.invitations import VALIDITY, send_invitation, unknown_password
from setupflow.errors import InputError

from .. import now
from ..auth.invitation import invitation_path
from ..auth.session_user import current_account
from ..db import catalog, db_session, discard_changes, settings
from ..problems import explain
from ..scope import allowed, visible_site
from .routes import bp

SITE_FIELDS = ("name", "workflow", "start", "opening", "establishment", "region", "disp", "department")


@bp.route("/sites/new", methods=["GET", "POST"])
@login_required
def new():
    user = current_account()
    if not access.can_create_sites(user):
        abort(403)
    workflows = [lw.workflow for lw in catalog()]
    if request.method == "GET":
        return render_template("sites/new.html", workflows=workflows,
                               form={"region": user.region or "", "workflow": settings().default_workflow})
    form = {k: (request.form.get(k) or "").strip() for k in SITE_FIELDS}
    try:
        site = accounts.create_site_as(db_session(), catalog(), user, now=now(), name=form["name"],
                                       workflow_id=form["workflow"], start_on=form["start"], opening_on=form["opening"],
                                       establishment=form["establishment"] or None, region=form["region"] or None,
                                       disp=form["disp"] or None, department=form["department"] or None,
                                       confirmed=request.form.get("confirm") == "1")
    except InputError as exc:
        discard_changes()
        if exc.code == "site.target_before_earliest":  # the second step: the same question, then confirm
            return render_template("sites/confirm.html", heading=form["name"] or _("New site"),
                                   question=explain(exc), action=url_for("sites.new"), cancel=url_for("sites.new"),
                                   button=_("Create the site with this target"), fields=form), 409
        return render_template("sites/new.html", workflows=workflows, form=form, error=explain(exc)), 400
    flash(_("Site created."), "info")
    return redirect(url_for("sites.show", site_id=site.id), code=303)


@bp.route("/sites/<int:site_id>/lead", methods=["GET", "POST"])
@login_required
def lead(site_id):
    site = visible_site(site_id)
    allowed(access.can_create_lead, site)
    if request.method == "GET":
        return render_template("sites/lead.html", site=site, form={})
    form = {k: (request.form.get(k) or "").strip() for k in ("email", "name", "language")}
    try:
        # nobody knows this password: the invited person chooses theirs from the e-mail
        created = accounts.create_site_lead(db_session(), site, email=form["email"], password=unknown_password(),
                                            actor=access.actor_of(current_account()), now=now(),
                                            display_name=form["name"], language=form["language"] or "fr")
    except InputError as exc:
        discard_changes()
        return render_template("sites/lead.html", site=site, form=form, error=explain(exc)), 400
    send_invitation(db_session(), created, path=invitation_path(created), site_name=site.name,
                    inviter=current_account().display_name, now=now())
    return render_template("sites/lead_created.html", site=site, email=created.email, days=VALIDITY.days)
