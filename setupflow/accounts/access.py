"""Who may see and do what. Every page and command asks these functions, never the role directly.

- admin: every site, every action.
- cress: the sites of their region and the sites they are assigned to; manage them
  (create sites and lead accounts, reopen stages).
- lead: their assigned sites; tick tasks, record decisions, advance.
- sponsor: their assigned sites; tick tasks only.
- partner: their assigned sites; read only.
- applicant: no site; its own candidacies only (setupflow.applicants).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from ..db import row_id
from ..errors import NotFound
from ..sites.models import Site
from ..sites.operations import Actor
from .models import User, UserSite

MANAGERS = ("admin", "cress")
EDITORS = ("admin", "cress", "lead")
TICKERS = EDITORS + ("sponsor",)
#: the side of the booklet a role reads by default: prison administration or ESS
DEFAULT_SIDE = {"lead": "pa", "cress": "ess", "sponsor": "ess", "admin": "ess", "partner": "ess", "applicant": "ess"}


def is_manager(user: User) -> bool:
    return user.role in MANAGERS


def landing_site(session: Session, user: User) -> int | None:
    """The one site a person lands on: theirs when they are not a manager and follow exactly one
    site; None otherwise (managers and people with several sites land on the portfolio)."""
    if is_manager(user):
        return None
    site_ids = session.scalars(select(UserSite.site_id).where(UserSite.user_id == user.id).limit(2)).all()
    return site_ids[0] if len(site_ids) == 1 else None


def lands_on_programmes(session: Session, user: User) -> bool:
    """Whether a person with no site of their own has a part in a programme (staff, laureate,
    committee member, funder): they land on the programmes rather than on an empty portfolio."""
    from ..programmes.models import ProgrammeMember

    if is_manager(user) or session.scalar(select(UserSite.site_id).where(UserSite.user_id == user.id).limit(1)):
        return False
    return session.scalar(select(ProgrammeMember.id).where(ProgrammeMember.user_id == user.id).limit(1)) is not None


def actor_of(user: User) -> Actor:
    return Actor(name=f"{user.display_name} <{user.email}>", is_manager=is_manager(user))


@dataclass(frozen=True)
class SiteScope:
    """The sites a person may see, as a value: every site (``everything``), or the sites of
    ``region`` (if any) and those linked to ``user_id`` (if any). The portfolio reads its kept
    counts by it; ``visible_sites_query`` is built from it: one rule for both."""

    everything: bool = False
    region: str | None = None
    user_id: int | None = None


def site_scope(user: User) -> SiteScope | None:
    """Admin: every site; Cress staff of a region: its sites and those linked to them; an
    applicant: no site, even one it was assigned to (None); anyone else: the sites linked to them."""
    if user.role == "admin":
        return SiteScope(everything=True)
    if user.role == "applicant":
        return None
    return SiteScope(region=user.region if user.role == "cress" and user.region else None, user_id=user.id)


def visible_sites_query(user: User) -> Select:
    """``select(Site)`` restricted to the sites ``user`` may see (``site_scope``)."""
    query = select(Site)
    scope = site_scope(user)
    if scope is None:
        return query.where(false())
    if scope.everything:
        return query
    assigned = select(UserSite.site_id).where(UserSite.user_id == scope.user_id)
    if scope.region:
        return query.where(or_(Site.region == scope.region, Site.id.in_(assigned)))
    return query.where(Site.id.in_(assigned))


def visible_site(session: Session, user: User, site_id) -> Site:
    """The site if ``user`` may see it; ``NotFound`` otherwise (same answer as no such site)."""
    number = row_id(site_id)
    site = session.scalar(visible_sites_query(user).where(Site.id == number)) if number else None
    if site is None or not user.is_active:
        raise NotFound(code="site.not_found", field="site", site=site_id)
    return site


def can_edit_site(user: User, site: Site) -> bool:
    """Record decisions and advance (the site must be visible to the user)."""
    return user.is_active and user.role in EDITORS


def can_tick_tasks(user: User, site: Site) -> bool:
    return user.is_active and user.role in TICKERS


def can_reopen(user: User, site: Site) -> bool:
    return user.is_active and is_manager(user)


def can_create_sites(user: User) -> bool:
    return user.is_active and is_manager(user)


def can_create_lead(user: User, site: Site) -> bool:
    return user.is_active and is_manager(user)
