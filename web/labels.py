"""Labels the pages share: stages from the definitions, health and roles in the catalogue."""
from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l

from setupflow.sites.runtime import workflow_of

HEALTH_LABELS = {"on_track": _l("On track"), "at_risk": _l("At risk"), "late": _l("Late"), "opened": _l("Opened")}
HEALTH_REASONS = {
    "past_max": _l("The current stage has lasted longer than its maximum duration."),
    "past_usual": _l("The current stage has lasted longer than its usual duration, not yet its maximum."),
    "target_missed": _l("Even at the fastest pace, the forecast opening falls after the target."),
    "target_at_risk": _l("The target holds only if the remaining stages go faster than their maximum."),
    "past_min": _l("The stage has passed its minimum duration and its gate is not met yet."),
    "opened": _l("The workshop is open."),
    "ok": _l("The forecast opening window ends on or before the target."),
}
ROLE_LABELS = {"admin": _l("Administrator"), "cress": _l("Cress staff"), "lead": _l("Project lead"),
               "sponsor": _l("Sponsor"), "partner": _l("Partner"), "applicant": _l("Applicant")}
SIDE_LABELS = {"pa": _l("Prison administration"), "ess": _l("ESS organisation")}
MEETING_STATUS_LABELS = {"proposed": _l("proposed"), "scheduled": _l("scheduled"), "held": _l("held"),
                         "minutes_approved": _l("minutes approved"), "cancelled": _l("cancelled")}
MEETING_ROLE_LABELS = {"agenda": _l("Agenda"), "invitations": _l("Invitations"), "facilitation": _l("Facilitation"),
                       "logistics": _l("Logistics")}
ATTENDANCE_LABELS = {"present": _l("present"), "excused": _l("excused"), "absent": _l("absent")}
DOCUMENT_LABELS = {"invitation": _l("Invitation"), "agenda": _l("Agenda"), "minutes": _l("Minutes"),
                   "decisions": _l("Decision record"), "project_note": _l("Project note"),
                   "team_file": _l("Team file"), "diagnostic": _l("Diagnostic")}
ACTION_STATUS_LABELS = {"open": _l("open"), "done": _l("done"), "dropped": _l("dropped")}


def translated(lazy) -> str:
    """A module-level lazy label in the request's language, translated once per request
    (a portfolio of 2,000 rows asked Flask-Babel for the same few labels 8,000 times).

    Kept on ``flask.g`` rather than a process-wide ``cachetools`` cache: such a cache needs
    the request's locale in every key, and asking Flask-Babel for it on each call cost
    more than it saved (measured 2026-12-01: 8,000 labels took 32 ms this way, 80 ms
    through ``get_locale()`` and a ``cachetools.Cache``)."""
    done = g.setdefault("labels", {})
    key = id(lazy)
    if key not in done:
        done[key] = str(lazy)
    return done[key]


def health_label(health: str) -> str:
    return translated(HEALTH_LABELS[health])


def stage_label(site, lang: str, stage_id: str | None = None) -> str:
    return workflow_of(site).state_label(stage_id or site.stage).get(lang)


def any_stage_label(catalog, stage_id: str, lang: str) -> str:
    """A stage id's label from the first definition that knows it (for filters)."""
    for loaded in catalog:
        wf = loaded.workflow
        if stage_id == wf.final.id:
            return wf.final.label.get(lang)
        for stage in wf.stages:
            if stage.id == stage_id:
                return stage.label.get(lang)
    return stage_id


def stage_order(catalog, stage_id: str) -> tuple[int, int, str]:
    """Sort key that puts stage ids in the method's order (the first definition that knows
    the id decides; the final state after every stage; unknown ids last)."""
    for n, loaded in enumerate(catalog):
        wf = loaded.workflow
        if stage_id == wf.final.id:
            return (n, len(wf.stages), stage_id)
        for i, stage in enumerate(wf.stages):
            if stage.id == stage_id:
                return (n, i, stage_id)
    return (len(list(catalog)), 0, stage_id)


def init_app(app) -> None:
    from .db import catalog

    app.jinja_env.globals.update(
        health_label=health_label, health_reason=lambda key: translated(HEALTH_REASONS[key]), stage_label=stage_label,
        role_label=lambda role: translated(ROLE_LABELS[role]), side_label=lambda side: translated(SIDE_LABELS[side]),
        any_stage_label=lambda stage_id, lang: any_stage_label(catalog(), stage_id, lang))
    from .history import decision_value, history_text, person_name

    app.jinja_env.globals["history_text"] = history_text
    app.jinja_env.globals["decision_value"] = lambda site, key, value, lang: decision_value(
        workflow_of(site), key, value, lang)
    app.jinja_env.filters["person_name"] = person_name
    app.jinja_env.filters["stage_name"] = stage_name
    app.jinja_env.globals.update(
        meeting_status_label=lambda key: str(MEETING_STATUS_LABELS.get(key, key)),
        meeting_role_label=lambda key: str(MEETING_ROLE_LABELS.get(key, key)),
        attendance_label=lambda key: str(ATTENDANCE_LABELS.get(key, key)) if key else "",
        action_status_label=lambda key: str(ACTION_STATUS_LABELS.get(key, key)),
        document_label=lambda key: str(DOCUMENT_LABELS.get(key, key)), site_decision_label=decision_label,
        committee_label=committee_label)


def stage_name(stage_id: str, site, lang: str) -> str:
    """A Jinja filter: ``stage_ids | map('stage_name', site, lang)``."""
    return stage_label(site, lang, stage_id)


def committee_label(site, committee_id: str, lang: str) -> str:
    try:
        return workflow_of(site).committee(committee_id).label.get(lang)
    except KeyError:
        return committee_id


def decision_label(site, key: str | None, lang: str) -> str:
    """A decision kind's label in ``lang``; the key itself when the definition no longer has it."""
    try:
        return workflow_of(site).decision(key).label.get(lang)
    except KeyError:
        return key or ""
