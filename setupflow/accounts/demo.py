"""Fictional demo accounts, all with one printed password."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..sites.models import Site
from .operations import create_user

DEMO_PASSWORD = "demo-atelier-2027"

#: (e-mail, display name, role, region, index of the site in the demo list or None)
DEMO_USERS = (
    ("admin@demo.setupflow.test", "Dominique Admin (fictive)", "admin", None, None),
    ("cress.bretagne@demo.setupflow.test", "Camille Le Goff (Cress, fictive)", "cress", "Bretagne", None),
    ("lead@demo.setupflow.test", "Yannick Morvan (EP, fictif)", "lead", None, 1),
    ("sponsor@demo.setupflow.test", "Sacha Riou (structure porteuse, fictive)", "sponsor", None, 4),
    ("partner@demo.setupflow.test", "Maël Guivarc'h (partenaire, fictif)", "partner", None, 1),
    # programme parts (setupflow/programmes/demo.py): staff, a laureate's account, a funder
    ("programmes@demo.setupflow.test", "Alix Programme (équipe, fictive)", "partner", None, None),
    ("laureat@demo.setupflow.test", "Noé Lauréat (porteur de projet, fictif)", "partner", None, None),
    ("mecene@demo.setupflow.test", "Jo Mécène (fondation, fictive)", "partner", None, None),
)


def build_demo_users(session: Session, sites: list[Site], now: datetime) -> list[tuple[str, str]]:
    """Create the demo accounts; returns (e-mail, role) pairs for printing."""
    out = []
    for email, name, role, region, site_index in DEMO_USERS:
        site_ids = (sites[site_index].id,) if site_index is not None and site_index < len(sites) else ()
        create_user(session, email=email, role=role, password=DEMO_PASSWORD, now=now, display_name=name,
                    region=region, site_ids=site_ids)
        out.append((email, role))
    return out
