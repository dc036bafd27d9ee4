"""Evidence from the team file: ``team_file_has:ep,spip,disp`` holds once someone still in
the project belongs to an organisation of each category named (the guide's project-team
file gathers the establishment, the SPIP and the DISP; a definition names its own)."""
from __future__ import annotations

from sqlalchemy import and_, exists, true

from ..evidence import proves
from .models import Organisation, Person


@proves("team_file_has")
def _team_file_has(_workflow, categories, site_id):
    wanted = sorted({c for c in (categories or "").split(",") if c})
    if not wanted:
        return true()
    organisation, person = Organisation.__table__.alias("team_org"), Person.__table__.alias("team_person")
    return and_(*(exists().where(person.c.organisation_id == organisation.c.id, organisation.c.site_id == site_id,
                                 organisation.c.category == category, person.c.left_on.is_(None))
                  for category in wanted))
