"""A site's call as a sponsor or someone from a candidate organisation sees it: the call's
text and criteria, its own application(s) with their files and, after the selection, the
outcome; never another candidate, its files, the scores or the ranking
(``setupflow.calls.visibility``)."""
from __future__ import annotations

from flask import abort, render_template

from setupflow.calls import visibility

from ..auth.session_user import current_account
from ..db import db_session


def sees_candidates(site) -> bool:
    return visibility.sees_candidates(db_session(), current_account(), site)


def own_application_or_404(call, application):
    """``application`` when the person may see it; 404 otherwise (same answer as no such application)."""
    if not (sees_candidates_of(call)
            or application in visibility.own_applications(db_session(), current_account(), call)):
        abort(404)
    return application


def sees_candidates_of(call) -> bool:
    from setupflow.sites.models import Site

    return sees_candidates(db_session().get(Site, call.site_id))


def candidate_page(site, call):
    mine = visibility.own_applications(db_session(), current_account(), call)
    return render_template("applicants/site_call_candidate.html", site=site, call=call,
                           applications=[(a, visibility.outcome(call, a)) for a in mine])
