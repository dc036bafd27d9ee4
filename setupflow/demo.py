"""Fictional demo data: several sites at different stages in two regions.

Every person, organisation detail and address here is invented. Each feature adds
its part in ``build_demo`` so that a new user sees a product that is already in use.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from .clock import local_date
from .config import DEFAULT_WORKFLOW
from .definitions.catalog import Catalog
from .demo_work import build_stage_demo, decide, produce
from .sites import operations as ops
from .sites.models import Site


@dataclass(frozen=True)
class DemoSite:
    name: str
    establishment: str
    region: str
    disp: str
    department: str
    months_in: int        # how long ago the project started
    months_to_opening: int
    reach: str            # the stage it has reached
    decisions: tuple = ()


DEMO_SITES = (
    DemoSite("Atelier bois de Kerlann", "Centre pénitentiaire de Kerlann", "Bretagne", "DISP Rennes", "35",
             2, 26, "plan"),
    DemoSite("Blanchisserie solidaire des Tilleuls", "Maison d'arrêt des Tilleuls", "Bretagne", "DISP Rennes",
             "29", 8, 20, "cooperate"),
    DemoSite("Atelier vélo de Port-Hélène", "Centre de détention de Port-Hélène", "Pays de la Loire",
             "DISP Rennes", "44", 13, 15, "diagnose"),
    DemoSite("Conserverie de l'Erdre", "Centre pénitentiaire de l'Erdre", "Pays de la Loire", "DISP Rennes",
             "44", 18, 10, "call", (("structure_type", "SIAE-ACI"),)),
    DemoSite("Recyclerie des Marais", "Centre de détention des Marais", "Bretagne", "DISP Rennes", "56",
             24, 6, "support", (("structure_type", "EA"), ("sponsor", "Association Les Ateliers du Marais (fictive)"))),
    DemoSite("Atelier textile de la Vilaine", "Maison d'arrêt de la Vilaine", "Bretagne", "DISP Rennes", "35",
             30, 0, "opened", (("structure_type", "ESAT"), ("sponsor", "ESAT Horizon Vilaine (fictif)"))),
)

DEMO_ACTOR = ops.Actor("Camille Demo (Cress, fictive)", is_manager=True)


def _months_ago(today: date, months: int) -> date:
    from .planning import add_months

    return add_months(today, -months)


def stage_months(workflow, done: int, months_in: int) -> list[float]:
    """How many months each of the ``done`` completed stages took: between their minimum
    and maximum durations, leaving at least a month in the current stage."""
    stages = workflow.stages[:done]
    low = sum(s.duration.min for s in stages)
    high = sum(s.duration.max for s in stages)
    room = max(months_in - 1, 1)
    if low >= room:  # a short demo history: shrink every stage alike
        return [s.duration.min * room / low for s in stages] if low else []
    spread = min(1.0, (room - low) / (high - low)) if high > low else 0.0
    return [s.duration.min + (s.duration.max - s.duration.min) * spread for s in stages]


def _walk_to(session: Session, site: Site, spec: DemoSite, now: datetime) -> None:
    """Do the work of each stage until the site reaches ``spec.reach``, each stage taking
    a realistic share of the months since the start."""
    workflow = ops.workflow_of(site)
    targets = list(workflow.state_ids)
    stop = targets.index(spec.reach)
    decisions = dict(spec.decisions)
    elapsed = 0.0
    durations = stage_months(workflow, stop, spec.months_in)
    started = now - timedelta(days=30.44 * spec.months_in)
    for months in durations:
        elapsed += months
        when = started + timedelta(days=30.44 * elapsed)
        stage = workflow.stage(site.stage)
        for key in stage.gate.tasks:
            evidence = workflow.task(key)[1].evidence
            if evidence:
                produce(session, site, evidence, DEMO_ACTOR, when)
            else:
                ops.set_task(session, site, key, True, DEMO_ACTOR, when)
        for key in stage.gate.decisions:
            kind = workflow.decision(key)
            value = decisions.get(key)
            if value is None:
                value = local_date(when).isoformat() if kind.kind == "date" else kind.choices[0].id \
                    if kind.kind == "choice" else "Structure fictive"
            if not decide(session, site, key, value, DEMO_ACTOR, when):
                ops.record_decision(session, site, key=key, value=value, text=None, actor=DEMO_ACTOR, now=when)
        ops.advance(session, site, DEMO_ACTOR, when)


def build_demo(session: Session, catalog: Catalog, now: datetime, workflow_id: str = DEFAULT_WORKFLOW) -> list[Site]:
    from .planning import add_months

    today = local_date(now)
    sites = []
    for spec in DEMO_SITES:
        site = ops.create_site(session, catalog, name=spec.name, workflow_id=workflow_id,
                               start_on=_months_ago(today, spec.months_in),
                               opening_on=add_months(today, spec.months_to_opening), actor=DEMO_ACTOR,
                               now=now - timedelta(days=30.44 * spec.months_in), establishment=spec.establishment,
                               region=spec.region, disp=spec.disp, department=spec.department)
        _walk_to(session, site, spec, now)
        sites.append(site)
    from .committees.demo import build_committees_demo

    build_committees_demo(session, sites, now, DEMO_ACTOR)
    build_stage_demo(session, sites, now, DEMO_ACTOR)
    from .accounts.demo import build_demo_users

    build_demo_users(session, sites, now)
    from pathlib import Path

    from .definitions.programmes import load_programmes
    from .programmes.demo import build_programmes_demo

    build_programmes_demo(session, load_programmes({Path(lw.source).parent for lw in catalog}), now)
    from .reminders.demo import build_reminders_demo

    build_reminders_demo(session, sites, now)
    return sites
