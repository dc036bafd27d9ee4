"""History entries in words: one translated sentence per action the engine records.
An action this table does not know yet is shown humanised ("Meeting role"), never as a dict."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from setupflow.sites.runtime import workflow_of

#: Actions whose sentence needs no detail, or only plain detail fields (names, counts).
SENTENCES = {
    "created": _l("Site created"),
    "upgraded": _l("Method definition updated (version %(source_version)s → %(target_version)s)"),
    "lead_account": _l("Lead account created: %(email)s"),
    "organisation_added": _l("Organisation added to the team file: %(name)s"),
    "person_added": _l("Person added to the team file: %(name)s (%(organisation)s)"),
    "person_changed": _l("Team file entry of a person changed"),
    "person_left": _l("A person left the project; their work was handed over"),
    "person_anonymised": _l("A person's data were anonymised"),
    "meetings_proposed": _l("Meeting dates proposed: %(proposed)s new, %(replaced)s replaced"),
    "meeting_changed": _l("Meeting place or video link changed"),
    "meeting_cancelled": _l("Meeting cancelled"),
    "meeting_agenda": _l("Meeting agenda saved (%(items)s items)"),
    "meeting_invited": _l("Person invited to a meeting"),
    "meeting_held": _l("Meeting held, attendance recorded"),
    "minutes_saved": _l("Meeting minutes saved (version %(version)s)"),
    "minutes_approved": _l("Meeting minutes approved (version %(version)s)"),
    "action_added": _l("Action item added"),
    "action_done": _l("Action item done"),
    "action_dropped": _l("Action item dropped"),
    "action_open": _l("Action item reopened"),
    "call_created": _l("Call for applications created"),
    "call_edited": _l("Call for applications edited"),
    "call_weight": _l("Weight of a selection criterion changed"),
    "call_distribution": _l("Distribution list of the call changed"),
    "call_slot": _l("Call timetable slot added"),
    "call_application": _l("Application received"),
    "call_file": _l("File attached to an application"),
    "call_score": _l("Application scored"),
    "call_selection": _l("Applications selected"),
    "call_unsuccessful": _l("Call closed as unsuccessful: no suitable candidate was selected"),
    "diagnostic_source": _l("Diagnostic source updated"),
    "diagnostic_indicator": _l("Diagnostic indicators updated"),
    "diagnostic_interview": _l("Diagnostic interview recorded"),
    "diagnostic_initiative": _l("Existing initiative recorded in the diagnostic"),
    "diagnostic_conclusions": _l("Diagnostic conclusions saved"),
    "diagnostic_hypothesis": _l("Starting hypothesis of the diagnostic recorded"),
    "diagnostic_hypothesis_settled": _l("Starting hypothesis of the diagnostic marked (confirmed, refuted or open)"),
    "budget_line": _l("Budget line added"),
    "budget_change": _l("Budget line changed"),
    "note_section_saved": _l("Project note section saved (version %(version)s)"),
    "reminder_held": _l("E-mail to %(recipient)s held"),
    "reminder_released": _l("E-mail to %(recipient)s released"),
    "reminder_cancelled": _l("E-mail to %(recipient)s cancelled"),
}


def history_text(site, entry, lang: str) -> str:  # noqa: C901  (one branch per kind of history entry, a table in code form)
    """One history entry in words."""
    from .i18n import day_text

    workflow = workflow_of(site)
    detail = entry.detail or {}
    action = entry.action

    def stage(stage_id):
        try:
            return workflow.state_label(stage_id).get(lang)
        except KeyError:
            return stage_id or ""

    def task(key):
        try:
            return workflow.task(key)[1].label.get(lang)
        except KeyError:
            return key

    def decision(key):
        try:
            return workflow.decision(key).label.get(lang)
        except KeyError:
            return key or _("free decision")

    def committee(key):
        try:
            return workflow.committee(key).label.get(lang)
        except KeyError:
            return key or ""

    if action == "advanced":
        return _("Moved from %(source)s to %(target)s", source=stage(detail.get("source")),
                 target=stage(detail.get("target")))
    if action == "reopened":
        return _("Reopened %(target)s (was in %(source)s)", source=stage(detail.get("source")),
                 target=stage(detail.get("target")))
    if action == "task":
        text = _("Task done: %(task)s") if detail.get("done") else _("Task no longer done: %(task)s")
        return text % {"task": task(detail.get("key"))}
    if action == "decision":
        value = detail.get("value")
        if value and detail.get("key"):
            return _("Decision recorded: %(what)s = %(value)s", what=decision(detail.get("key")),
                     value=decision_value(workflow, detail.get("key"), value, lang))
        text = _decision_text(detail.get("decision_id"))
        if text:
            return _("Decision recorded: %(what)s: %(text)s", what=decision(detail.get("key")), text=text)
        return _("Decision recorded: %(what)s", what=decision(detail.get("key")))
    if action == "decision_superseded":
        return _("Decision replaced or withdrawn: %(what)s", what=decision(detail.get("key")))
    if action in ("committee_joined", "committee_left"):
        text = _("Person joined the %(committee)s") if action == "committee_joined" else \
            _("Person left the %(committee)s")
        return text % {"committee": committee(detail.get("committee"))}
    if action in ("meeting_scheduled", "meeting_confirmed"):
        text = _("Meeting of the %(committee)s scheduled for %(when)s") if action == "meeting_scheduled" else \
            _("Meeting of the %(committee)s confirmed for %(when)s")
        return text % {"committee": committee(detail.get("committee")), "when": day_text(detail.get("at"))}
    if action == "meeting_moved":
        return _("Meeting moved from %(previous)s to %(when)s", previous=day_text(detail.get("previous")),
                 when=day_text(detail.get("at")))
    if action == "meeting_role":
        return _("Meeting role given: %(role)s", role=_meeting_role(detail.get("role")))
    if action == "call_published":
        return _("Call for applications published (closes on %(day)s)", day=day_text(detail.get("closes_on")))
    if action == "target_opening_changed":
        return _("Target opening moved from %(previous)s to %(target)s", previous=day_text(detail.get("previous")),
                 target=day_text(detail.get("target")))
    if action == "recorded_before_rule":
        if detail.get("rule") == "score_member":
            return _("Score sheet of %(member)s recorded before the rule (its member in free text, not a person "
                     "of the team file)", member=detail.get("member") or "?")
        return _("Decision recorded before the rule, kept as it was: %(what)s", what=decision(detail.get("key")))
    if action == "support_item":
        return _("Support item done") if detail.get("done") else _("Support item no longer done")
    if action == "immersion":
        return _("Immersion period set: %(start)s to %(end)s", start=day_text(detail.get("starts_on")),
                 end=day_text(detail.get("ends_on")))
    if action == "dui_signature":
        return _("Single intervention document signed on %(day)s", day=day_text(detail.get("signed_on")))
    sentence = SENTENCES.get(action)
    if sentence is not None:
        try:
            return str(sentence) % _Defaulting(detail)
        except (TypeError, ValueError):
            pass
    return humanised(action)


def _decision_text(decision_id) -> str:
    """The words of a decision recorded without a value (a free decision is all text)."""
    from setupflow.sites.models import Decision

    from .db import db_session

    if decision_id is None:
        return ""
    row = db_session().get(Decision, decision_id)
    text = (row.text or "").strip() if row is not None else ""
    return text if len(text) <= 200 else text[:199] + "…"


class _Defaulting(dict):
    def __missing__(self, key):
        return "?"


def _meeting_role(role):
    from .labels import MEETING_ROLE_LABELS

    return str(MEETING_ROLE_LABELS.get(role, role or ""))


def person_name(actor: str | None) -> str:
    """``Name <email>`` as recorded by the web app -> ``Name`` (e-mails are not for display)."""
    name = (actor or "").strip()
    if name.endswith(">") and " <" in name:
        return name.rsplit(" <", 1)[0]
    return name


def humanised(action: str) -> str:
    """``meeting_role`` -> ``Meeting role``: readable when no sentence is known."""
    words = (action or "").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def decision_value(workflow, key, value, lang: str) -> str:
    """A decision value as people read it: a choice's label, a date in words."""
    try:
        kind = workflow.decision(key)
    except KeyError:
        return str(value)
    if kind.kind == "choice":
        for choice in kind.choices:
            if choice.id == value:
                return choice.label.get(lang)
    if kind.kind == "date":
        from .i18n import day_text

        return day_text(value)
    return str(value)
