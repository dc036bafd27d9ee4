"""The portfolio: the counts of every visible site, one page of its table (50 rows), the
filters and sorting over all of them, and the CSV export of every matching row."""
from __future__ import annotations


from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from setupflow import inputs
from setupflow import portfolio as engine
from setupflow.accounts import access
from setupflow.accounts.access import visible_sites_query
from setupflow.accounts.models import User
from setupflow.clock import local_date
from setupflow.errors import InputError
from setupflow.sites.models import Site

from .. import now
from ..auth.session_user import current_account
from ..db import catalog, db_session
from ..exports import csv_stream_response
from ..i18n import current_language
from ..labels import health_label, stage_label, stage_order

bp = Blueprint("portfolio", __name__)
#: rows on one page of the table
PER_PAGE = 50


def landing_url(user) -> str:
    """Cress staff and admins land on the portfolio; a person with one site lands on it."""
    if user.role == "applicant":  # a candidate lands on its own applications
        return url_for("applicants.mine")
    site_id = access.landing_site(db_session(), user)
    if site_id is not None:
        return url_for("sites.show", site_id=site_id)
    if access.lands_on_programmes(db_session(), user):
        return url_for("programmes.index")
    return url_for("portfolio.index")


def _criteria() -> dict:
    args = request.args
    health = args.get("health") or None
    sort = args.get("sort", "name")
    return {"region": args.get("region") or None, "disp": args.get("disp") or None,
            "stage": args.get("stage") or None, "health": health if health in engine.HEALTHS else None,
            "sort": sort if sort in engine.SORTS else "name", "descending": args.get("order") == "desc"}


def _rows(user: User, criteria: dict):
    only, _ = _inconsistent(user)
    return engine.each_row(db_session(), _sites(user, only), local_date(now()), now=now(), **criteria)


def _sites(user: User, only):
    """The sites the person may see; with ``only``, those of them whose ids are in it."""
    query = visible_sites_query(user)
    return query if only is None else query.where(Site.id.in_(sorted(only)))


def _inconsistent(user: User):
    """With ``?record=inconsistent``: (the ids of the visible sites whose record has
    inconsistencies with their definition, their problems by site id); else (None, {})."""
    if request.args.get("record") != "inconsistent":
        return None, {}
    from setupflow.sites.decisions import inconsistent_sites

    found = inconsistent_sites(db_session(), visible_sites_query(user))
    return set(found), found


def _page_number() -> int | None:
    """The ``page`` argument as a number from 1; None when it is not one."""
    text = (request.args.get("page") or "1").strip()
    try:  # the input edge: ASCII digits only ('١٢' and '1_0' are not page numbers)
        return inputs.whole(text, "page", 1, 10 ** 10)
    except InputError:
        return None


def _url_with(**changes) -> str:
    """This page's URL with some arguments changed (None drops one): filters and sort kept."""
    args = {k: v for k, v in request.args.items() if v}
    args.update(changes)
    return url_for("portfolio.index", **{k: v for k, v in args.items() if v is not None})


def _page_links(page: int, pages: int) -> list[int | None]:
    """The page numbers to link: the first, the last and two either side of ``page``;
    None where numbers are left out."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


@bp.get("/portfolio")
@login_required
def index():
    user = current_account()
    criteria = _criteria()
    page = _page_number()
    if page is None:
        return render_template("errors/error.html", title=_("Bad request"), message=_(
            "The page number %(value)s is not a whole number from 1.", value=request.args.get("page"))), 400
    only, problems = _inconsistent(user)
    # the counts of the whole scope are read from the kept counts (a few rows whatever the
    # number of sites); those of the inconsistent sites only are counted from them
    view = engine.overview(db_session(), _sites(user, only), local_date(now()), page=page, per_page=PER_PAGE,
                           now=now(), scope=access.site_scope(user) if only is None else None, **criteria)
    choices = dict(view.summary.choices)
    if "stage" in choices:
        choices["stage"] = sorted(choices["stage"], key=lambda stage_id: stage_order(catalog(), stage_id))
    summary_args = {k: v for k, v in (("sort", request.args.get("sort")), ("order", request.args.get("order"))) if v}
    return render_template("portfolio/index.html", view=view, rows=view.rows, criteria=criteria, choices=choices,
                           inconsistent=only is not None, problems=problems,
                           healths=engine.HEALTHS, sorts=engine.SORTS, lang=current_language(),
                           page_url=lambda n: _url_with(page=n if n > 1 else None),
                           page_links=_page_links(view.page, view.pages),
                           filtered_url=lambda **f: url_for("portfolio.index", **summary_args, **f))


@bp.get("/portfolio.csv")
@login_required
def export_csv():
    user = current_account()
    lang = current_language()
    header = [_("Site"), _("Establishment"), _("Region"), _("DISP"), _("Stage"), _("Health"),
              _("Target opening"), _("Forecast opening (earliest)"), _("Forecast opening (latest)"),
              _("Next deadline"), _("Deadline window (earliest)"), _("Deadline window (latest)"), _("Next meeting"),
              _("Overdue actions")]

    def lines(rows):
        for r in rows:
            deadline = r.next_deadline
            yield (r.site.name, r.site.establishment, r.site.region, r.site.disp, stage_label(r.site, lang),
                   health_label(r.health), r.site.target_opening_on, r.opening.earliest, r.opening.latest,
                   deadline.deadline.label.get(lang) if deadline else "",
                   deadline.window.earliest if deadline else None, deadline.window.latest if deadline else None,
                   r.extra["next_meeting"]["starts_dt"] if "next_meeting" in r.extra else None,
                   r.extra.get("overdue_actions", 0))
    # the stale lines are refreshed and the order fixed here, in the request's transaction;
    # the rows are read while the file is sent
    return csv_stream_response(header, lines(_rows(user, _criteria())), "portfolio.csv")
