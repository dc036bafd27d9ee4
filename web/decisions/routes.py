"""The decision log of a site (search, superseding with a reason, withdrawing a free
decision) and, for Cress staff and admins, a search across the sites they can see."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from setupflow.accounts import access
from setupflow.errors import InputError, NotFound
from setupflow.sites import operations as ops
from setupflow.sites.decisions import search_decisions
from setupflow.sites.models import Decision, Site
from setupflow.sites.runtime import workflow_of

from ..i18n import current_language
from ..problems import explain
from ..scope import actor, allowed, current_account, db_session, done, now, owned, refuse, visible_site

bp = Blueprint("decisions", __name__)


def _get_decision(session, decision_id):
    found = session.get(Decision, decision_id)
    if found is None:
        raise NotFound(code="decision.not_found_id", field="decision", decision=decision_id)
    return found


@bp.get("/sites/<int:site_id>/decisions")
@login_required
def index(site_id):
    site = visible_site(site_id)
    query = (request.args.get("q") or "").strip()
    decisions = search_decisions(db_session(), [site.id], query)
    return render_template("decisions/index.html", site=site, decisions=decisions, q=query, lang=current_language(),
                           workflow=workflow_of(site), can_edit=access.can_edit_site(current_account(), site),
                           subnav="decisions")


@bp.post("/sites/<int:site_id>/decisions/<int:decision_id>/supersede")
@login_required
def supersede(site_id, decision_id):
    """Replace a current decision by a new value (a gate decision) or withdraw it, with a reason."""
    site = visible_site(site_id)
    old = owned(_get_decision, site, decision_id)
    allowed(access.can_edit_site, site)
    url = url_for("decisions.index", site_id=site.id)
    form = request.form
    reason = form.get("reason") or ""
    if not old.is_current:
        return refuse(_("This decision was already replaced."), url)
    try:
        if old.key and (form.get("value") or "").strip():
            ops.record_decision(db_session(), site, key=old.key, value=form.get("value"), text=form.get("text"),
                                actor=actor(), now=now(), supersede_reason=reason)
        else:
            ops.withdraw_decision(db_session(), site, old, reason, actor(), now())
    except InputError as exc:
        return refuse(_("The decision was not replaced: %(why)s", why=explain(exc)), url)
    return done(_("Decision replaced; the reason is kept in the log."), url)


@bp.get("/decisions")
@login_required
def search():
    """Decisions of every site the person can see; Cress staff and admins only."""
    user = current_account()
    if not access.is_manager(user):
        abort(403)
    query = (request.args.get("q") or "").strip()
    site_ids = access.visible_sites_query(user).with_only_columns(Site.id).order_by(None)
    decisions = search_decisions(db_session(), site_ids, query, limit=200) if query else []
    wanted = {d.site_id for d in decisions}
    sites = {s.id: s for s in db_session().scalars(select(Site).where(Site.id.in_(wanted)))} if wanted else {}
    return render_template("decisions/search.html", decisions=decisions, q=query, sites=sites,
                           lang=current_language())
