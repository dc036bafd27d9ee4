"""Creating a site, and a site's lead account (Cress staff and admins)."""
from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from setupflow.accounts import access
from setupflow.accounts import operations as accounts
from setupflow.errors import InputError
from setupflow.sites import operations as ops

from .. import now
from ..auth.routes import password_problem
from ..auth.session_user import current_account
from ..db import catalog, db_session, discard_changes
from ..problems import explain
from .routes import allowed, bp, visible_site

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
                               form={"region": user.region or "", "workflow": "cress-disp"})
    form = {k: (request.form.get(k) or "").strip() for k in SITE_FIELDS}
    if user.role == "cress" and user.region and form["region"] != user.region:
        return render_template("sites/new.html", workflows=workflows, form=form,
                               error=_("You can create sites in your region (%(region)s) only.",
                                       region=user.region)), 400
    try:
        site = ops.create_site(db_session(), catalog(), name=form["name"], workflow_id=form["workflow"],
                               start_on=form["start"], opening_on=form["opening"],
                               actor=access.actor_of(user), now=now(), establishment=form["establishment"] or None,
                               region=form["region"] or None, disp=form["disp"] or None,
                               department=form["department"] or None, confirmed=request.form.get("confirm") == "1")
        if user.role == "cress" and not user.region:
            accounts.assign_site(db_session(), user, site.id, now())
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
    password = request.form.get("password") or ""
    generated = not password
    if generated:
        password = secrets.token_urlsafe(12)
    try:
        created = accounts.create_user(db_session(), email=form["email"], role="lead", password=password, now=now(),
                                       display_name=form["name"], language=form["language"] or "fr",
                                       site_ids=(site.id,))
    except InputError as exc:
        discard_changes()
        message = password_problem(exc) if str(exc).startswith("password") else explain(exc)
        return render_template("sites/lead.html", site=site, form=form, error=message), 400
    ops.record(db_session(), site, access.actor_of(current_account()), now(), "lead_account", email=created.email)
    return render_template("sites/lead_created.html", site=site, email=created.email,
                           password=password if generated else None)
