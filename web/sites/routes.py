"""The site page and the actions on it. Someone without the right to a site gets 404 on
every URL of it, GET and POST; a visible site with a refused action answers 403."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from setupflow import inputs
from setupflow.accounts import access
from setupflow.clock import local_date
from setupflow.errors import GateNotMet, InputError, NotAllowed, NotFound, StaleEdit
from setupflow.sites import operations as ops
from setupflow.sites.runtime import workflow_of

from .. import now
from ..auth.session_user import current_account
from ..db import db_session, discard_changes
from ..i18n import current_language
from ..problems import explain
from .page import recent_history, site_page

bp = Blueprint("sites", __name__)


def visible_site(site_id):
    try:
        return access.visible_site(db_session(), current_account(), site_id)
    except NotFound:
        abort(404)


def allowed(check, site) -> None:
    if not check(current_account(), site):
        abort(403)


def back(site, anchor: str = ""):
    side = request.form.get("side")
    return redirect(url_for("sites.show", site_id=site.id, side=side if side in ("pa", "ess") else None)
                    + (f"#{anchor}" if anchor else ""), code=303)


def refused(site, message: str, anchor: str = ""):
    discard_changes()
    flash(message, "error")
    return back(site, anchor)


@bp.get("/sites/<int:site_id>")
@login_required
def show(site_id):
    site = visible_site(site_id)
    page = site_page(db_session(), current_account(), site, local_date(now()), current_language(),
                     request.args.get("side"), now())
    return render_template("sites/show.html", **page)


HISTORY_PAGE = 100


@bp.get("/sites/<int:site_id>/history")
@login_required
def history(site_id):
    from sqlalchemy import func, select

    from setupflow.sites.models import HistoryEntry

    site = visible_site(site_id)
    session = db_session()
    total = session.scalar(select(func.count()).select_from(HistoryEntry).where(HistoryEntry.site_id == site.id))
    pages = max(1, -(-total // HISTORY_PAGE))
    try:
        asked = inputs.whole(request.args.get("page") or "1", "page")
    except InputError:
        asked = 1
    number = min(max(asked, 1), pages)
    entries = recent_history(session, site, (number - 1) * HISTORY_PAGE, HISTORY_PAGE)
    return render_template("sites/history.html", site=site, history=entries, page=number, pages=pages,
                           total=total, lang=current_language())


@bp.post("/sites/<int:site_id>/tasks/<task_key>")
@login_required
def tick(site_id, task_key):
    site = visible_site(site_id)
    allowed(access.can_tick_tasks, site)
    try:
        ops.set_task(db_session(), site, task_key, request.form.get("done") == "1",
                     access.actor_of(current_account()), now())
    except InputError as exc:
        return refused(site, explain(exc), "tasks")
    return back(site, "tasks")


@bp.post("/sites/<int:site_id>/decisions")
@login_required
def decide(site_id):
    site = visible_site(site_id)
    allowed(access.can_edit_site, site)
    form = request.form
    try:
        ops.record_decision(db_session(), site, key=form.get("key") or None, value=form.get("value"),
                            text=form.get("text"), actor=access.actor_of(current_account()), now=now(),
                            decided_on=_day(form.get("decided_on")),
                            supersede_reason=form.get("supersede_reason"))
    except InputError as exc:
        return refused(site, _("The decision was not recorded: %(why)s", why=explain(exc)), "decisions")
    flash(_("Decision recorded."), "info")
    return back(site, "gate")


def _day(value):
    from setupflow.inputs import optional_day

    return optional_day(value, "decided_on")


@bp.post("/sites/<int:site_id>/advance")
@login_required
def advance(site_id):
    site = visible_site(site_id)
    allowed(access.can_edit_site, site)
    lang = current_language()
    try:
        target = ops.advance(db_session(), site, access.actor_of(current_account()), now(),
                             confirmed=request.form.get("confirm") == "1")
    except InputError as exc:
        if exc.code != "stage.confirm_early":
            return refused(site, explain(exc), "gate")
        # the second step: the same engine refusal, and a button that confirms
        discard_changes()
        return render_template("sites/confirm.html", heading=site.name, question=explain(exc),
                               action=url_for("sites.advance", site_id=site.id),
                               cancel=url_for("sites.show", site_id=site.id), button=_("Move on early"),
                               fields={}), 409
    except (GateNotMet, StaleEdit) as exc:
        return refused(site, explain(exc), "gate")
    flash(_("The site moved to: %(stage)s", stage=workflow_of(site).state_label(target).get(lang)), "info")
    return back(site)


@bp.post("/sites/<int:site_id>/reopen")
@login_required
def reopen(site_id):
    site = visible_site(site_id)
    allowed(access.can_reopen, site)
    try:
        ops.reopen(db_session(), site, request.form.get("stage", ""), access.actor_of(current_account()),
                   request.form.get("reason", ""), now())
    except NotAllowed:
        abort(403)
    except InputError as exc:
        return refused(site, explain(exc), "reopen")
    flash(_("Stage reopened."), "info")
    return back(site)


from . import manage  # noqa: E402,F401  (site creation and lead accounts on this blueprint)
from . import emails  # noqa: E402,F401  (the site's e-mails before they leave)
from . import replan  # noqa: E402,F401  (moving the target opening, asked about when before the earliest)
