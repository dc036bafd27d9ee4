"""Evidence from the team file: ``team_file_has:ep,spip,disp`` holds once someone still in
the project belongs to an organisation of each category named (the guide's project-team
file gathers the establishment, the SPIP and the DISP; a definition names its own)."""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..evidence import proves
from ..sites.models import Site
from .models import Organisation, Person

_O, _P = Organisation.__table__.c, Person.__table__.c
_CATEGORIES = (select(_O.category).join(Person.__table__, _P.organisation_id == _O.id)
               .where(_O.site_id == bindparam("site_id"), _P.left_on.is_(None)).distinct())


@proves("team_file_has")
def _team_file_has(session: Session, site: Site, categories) -> bool:
    present = set(session.scalars(_CATEGORIES, {"site_id": site.id}))
    return set((categories or "").split(",")) <= present
