"""The portfolio: every visible site in one table, its filters and its CSV export."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from setupflow import portfolio as engine
from setupflow.accounts.access import visible_sites_query
from setupflow.accounts.models import User, UserSite
from setupflow.clock import local_date
from setupflow.portfolio_columns import loaders

from .. import now
from ..auth.session_user import current_account
from ..db import catalog, db_session
from ..i18n import current_language
from ..labels import health_label, stage_label, stage_order

bp = Blueprint("portfolio", __name__)


def landing_url(user) -> str:
    """Cress staff and admins land on the portfolio; a person with one site lands on it."""
    if user.role not in ("admin", "cress"):
        site_ids = db_session().scalars(select(UserSite.site_id).where(UserSite.user_id == user.id).limit(2)).all()
        if len(site_ids) == 1:
            return url_for("sites.show", site_id=site_ids[0])
    return url_for("portfolio.index")


def _criteria() -> dict:
    args = request.args
    health = args.get("health") or None
    sort = args.get("sort", "name")
    return {"region": args.get("region") or None, "disp": args.get("disp") or None,
            "stage": args.get("stage") or None, "health": health if health in engine.HEALTHS else None,
            "sort": sort if sort in engine.SORTS else "name", "descending": args.get("order") == "desc"}


def _rows(user: User, criteria: dict):
    return engine.portfolio(db_session(), visible_sites_query(user), local_date(now()), loaders=loaders(now()),
                            **criteria)


@bp.get("/portfolio")
@login_required
def index():
    user = current_account()
    criteria = _criteria()
    rows = _rows(user, criteria)
    choices = engine.filter_choices(db_session(), visible_sites_query(user))
    if "stage" in choices:
        choices["stage"] = sorted(choices["stage"], key=lambda stage_id: stage_order(catalog(), stage_id))
    return render_template("portfolio/index.html", rows=rows, criteria=criteria, choices=choices,
                           healths=engine.HEALTHS, sorts=engine.SORTS, lang=current_language())


def neutralise(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


@bp.get("/portfolio.csv")
@login_required
def export_csv():
    user = current_account()
    lang = current_language()
    rows = _rows(user, _criteria())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Site"), _("Establishment"), _("Region"), _("DISP"), _("Stage"), _("Health"),
                     _("Target opening"), _("Forecast opening (earliest)"), _("Forecast opening (latest)"),
                     _("Next deadline"), _("Deadline window"), _("Next meeting"), _("Overdue actions")])
    for r in rows:
        deadline = r.next_deadline
        writer.writerow([neutralise(v) for v in (
            r.site.name, r.site.establishment, r.site.region, r.site.disp, stage_label(r.site, lang),
            health_label(r.health), r.site.target_opening_on.isoformat(),
            r.progress.plan.opening.earliest.isoformat(), r.progress.plan.opening.latest.isoformat(),
            deadline.deadline.label.get(lang) if deadline else "",
            f"{deadline.window.earliest.isoformat()} / {deadline.window.latest.isoformat()}" if deadline else "",
            r.extra["next_meeting"]["starts_dt"].isoformat() if "next_meeting" in r.extra else "",
            r.extra.get("overdue_actions", 0))])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=portfolio.csv"})
