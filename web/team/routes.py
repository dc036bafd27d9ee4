"""The team file of a site: organisations, people and their committee seats; someone
leaving hands their work to a successor. The sheet itself is a document download."""
from __future__ import annotations


from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from setupflow import inputs
from setupflow.accounts import access
from setupflow.clock import local_date
from setupflow.db import row_id
from setupflow.definitions import vocabulary
from setupflow.errors import InputError, NotFound
from setupflow.sites.runtime import workflow_of
from setupflow.team import operations as team
from setupflow.team.handover import person_leaves
from setupflow.team.models import Organisation

from ..i18n import current_language
from ..problems import explain
from ..scope import actor, allowed, current_account, db_session, done, now, owned, refuse, visible_site

bp = Blueprint("team", __name__)
PERSON_FIELDS = ("name", "email", "function", "phone", "language")


def _organisations(site):
    return list(db_session().scalars(select(Organisation).where(Organisation.site_id == site.id)
                                     .order_by(Organisation.name)))


def _organisation(site, value):
    number = row_id(value)
    org = db_session().get(Organisation, number) if number else None
    if org is None or org.site_id != site.id:
        raise InputError(code="form.organisation_required", field="organisation")
    return org


def _day(value, field):
    return inputs.optional_day(value, field)


def team_url(site, anchor=""):
    return url_for("team.index", site_id=site.id) + (f"#{anchor}" if anchor else "")


@bp.get("/sites/<int:site_id>/team")
@login_required
def index(site_id):
    site = visible_site(site_id)
    people = team.people_of(db_session(), site)
    return render_template("team/index.html", site=site, people=people, organisations=_organisations(site),
                           active=[p for p in people if p.is_active], categories=vocabulary.current(),
                           committees=workflow_of(site).committees, today=local_date(now()),
                           lang=current_language(), subnav="team",
                           can_edit=access.can_edit_site(current_account(), site))


@bp.post("/sites/<int:site_id>/team/organisations")
@login_required
def add_organisation(site_id):
    site = visible_site(site_id)
    allowed(access.can_edit_site, site)
    try:
        team.add_organisation(db_session(), site, name=request.form.get("name"),
                              category=request.form.get("category", ""), actor=actor(), now=now())
    except InputError as exc:
        return refuse(_("The organisation was not added: %(why)s", why=explain(exc)), team_url(site, "organisations"))
    return done(_("Organisation added."), team_url(site, "organisations"))


@bp.post("/sites/<int:site_id>/team/people")
@login_required
def add_person(site_id):
    site = visible_site(site_id)
    allowed(access.can_edit_site, site)
    form = request.form
    try:
        team.add_person(db_session(), site, organisation=_organisation(site, form.get("organisation")),
                        actor=actor(), now=now(), committees=form.getlist("committees"),
                        **{k: form.get(k) or ("fr" if k == "language" else "") for k in PERSON_FIELDS})
    except InputError as exc:
        return refuse(_("The person was not added: %(why)s", why=explain(exc)), team_url(site, "add-person"))
    return done(_("Person added to the team file."), team_url(site))


@bp.route("/sites/<int:site_id>/team/people/<int:person_id>", methods=["GET", "POST"])
@login_required
def person(site_id, person_id):
    site = visible_site(site_id)
    someone = owned(team.get_person, site, person_id)
    today = local_date(now())
    if request.method == "POST":
        allowed(access.can_edit_site, site)
        form = request.form
        url = url_for("team.person", site_id=site.id, person_id=someone.id)
        try:
            changes = {k: form.get(k) or "" for k in PERSON_FIELDS}
            changes["organisation"] = _organisation(site, form.get("organisation"))
            team.update_person(db_session(), site, someone, actor(), now(), **changes)
            seats = set(form.getlist("committees"))
            held = {m.committee_id for m in someone.memberships if m.is_current(today)}
            for committee_id in sorted(seats - held):
                team.join_committee(db_session(), site, someone, committee_id, actor(), now())
            for committee_id in sorted(held - seats):
                team.end_membership(db_session(), site, someone, committee_id, actor(), now())
        except InputError as exc:
            return refuse(_("Nothing was changed: %(why)s", why=explain(exc)), url)
        return done(_("Saved."), url)
    seats = {m.committee_id for m in someone.memberships if m.is_current(today)}
    return render_template("team/person.html", site=site, person=someone, seats=seats,
                           organisations=_organisations(site), committees=workflow_of(site).committees,
                           successors=[p for p in team.people_of(db_session(), site, include_left=False)
                                       if p.id != someone.id],
                           lang=current_language(), subnav="team",
                           can_edit=access.can_edit_site(current_account(), site))


@bp.post("/sites/<int:site_id>/team/people/<int:person_id>/leaves")
@login_required
def leaves(site_id, person_id):
    site = visible_site(site_id)
    someone = owned(team.get_person, site, person_id)
    allowed(access.can_edit_site, site)
    url = url_for("team.person", site_id=site.id, person_id=someone.id)
    try:
        try:
            successor = team.get_person(db_session(), request.form.get("successor"), site)
        except NotFound:
            raise InputError(code="form.successor_required", field="successor") from None
        person_leaves(db_session(), site, someone, successor, actor(), now(),
                      left_on=_day(request.form.get("left_on"), "left_on"))
    except InputError as exc:
        return refuse(_("Nothing was changed: %(why)s", why=explain(exc)), url)
    return done(_("%(name)s left the project; %(successor)s takes over their work.", name=someone.name,
                  successor=successor.name), team_url(site))
