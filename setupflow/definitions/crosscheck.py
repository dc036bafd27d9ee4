"""Checks between the parts of a definition that a schema alone cannot express."""
from __future__ import annotations

from ..decision_rules import SETTLERS
from ..evidence import KINDS as EVIDENCE_KINDS, split as split_evidence
from .schema import ACTION_EVENTS, MEETING_EVENTS, Workflow

BUILTIN_ANCHORS = ("start", "opening")
#: messages that follow a meeting's own changes (see setupflow.reminders.meeting_rules)
RESERVED_REMINDER_IDS = ("meeting_update", "meeting_cancel")


def date_anchors(workflow: Workflow) -> set[str]:
    """The names a deadline may be relative to."""
    names = set(BUILTIN_ANCHORS)
    for stage in workflow.stages:
        names.update({f"{stage.id}.start", f"{stage.id}.end"})
    names.update(d.id for d in workflow.decisions if d.kind == "date")
    return names


def _unique(items, where, what):
    seen = {}
    for i, item in enumerate(items):
        if item.id in seen:
            yield (where + (i, "id"), f"{what} '{item.id}' is already defined at {format_index(where, seen[item.id])}")
        else:
            seen[item.id] = i


def format_index(where, i):
    return ".".join(str(w) for w in where) + f"[{i}]"


def crosscheck(wf: Workflow, organisation_categories=None) -> list[tuple[tuple, str]]:  # noqa: C901  (one flat pass of independent checks over the definition, in the file's order)
    """Return (path, message) for every inconsistency; empty when the definition holds.

    ``organisation_categories``: the category ids of the shared vocabulary
    (``vocabulary.yaml``); when given, every ``organisation:<x>`` a reminder is sent to
    must be one of them (a typo would silently e-mail nobody)."""
    problems: list[tuple[tuple, str]] = []
    roles = {r.id for r in wf.roles}
    decisions = {d.id for d in wf.decisions}
    committees = {c.id for c in wf.committees}
    stage_ids = [s.id for s in wf.stages]

    problems += _unique(wf.roles, ("roles",), "role")
    problems += _unique(wf.decisions, ("decisions",), "decision")
    problems += _unique(wf.committees, ("committees",), "committee")
    problems += _unique(wf.deadlines, ("deadlines",), "deadline")
    if wf.final.id in stage_ids:
        problems.append((("final", "id"), f"'{wf.final.id}' is already a stage id"))
    if wf.final.on_date is not None:
        kinds = {d.id: d.kind for d in wf.decisions}
        if kinds.get(wf.final.on_date) != "date":
            problems.append((("final", "on_date"), f"'{wf.final.on_date}' is not a decision of kind date"))
        elif wf.final.on_date not in wf.stages[-1].gate.decisions:
            problems.append((("final", "on_date"),
                             f"'{wf.final.on_date}' must be in the gate of the last stage '{wf.stages[-1].id}'"))

    task_owner: dict[str, str] = {}
    for si, stage in enumerate(wf.stages):
        for ti, task in enumerate(stage.tasks):
            if task.id in task_owner:
                problems.append((("stages", si, "tasks", ti, "id"),
                                 f"task '{task.id}' is already defined in stage '{task_owner[task.id]}'"))
            task_owner.setdefault(task.id, stage.id)
            if task.role not in roles:
                problems.append((("stages", si, "tasks", ti, "role"), f"unknown role '{task.role}'"))
            if task.evidence is not None:
                problem = _evidence_problem(wf, task.evidence, organisation_categories)
                if problem:
                    problems.append((("stages", si, "tasks", ti, "evidence"), problem))
        own_tasks = {t.id for t in stage.tasks}
        for gi, key in enumerate(stage.gate.tasks):
            if key not in own_tasks:
                problems.append((("stages", si, "gate", "tasks", gi),
                                 f"unknown task '{key}' (the gate of '{stage.id}' may only name its own tasks)"))
        for gi, key in enumerate(stage.gate.decisions):
            if key not in decisions:
                problems.append((("stages", si, "gate", "decisions", gi), f"unknown decision '{key}'"))

    for di, decision in enumerate(wf.decisions):
        if decision.id in BUILTIN_ANCHORS:
            problems.append((("decisions", di, "id"), f"'{decision.id}' is a built-in date name; choose another id"))
        if decision.committee and decision.committee not in committees:
            problems.append((("decisions", di, "committee"), f"unknown committee '{decision.committee}'"))
        if decision.taken_in and decision.taken_in not in committees:
            problems.append((("decisions", di, "taken_in"), f"unknown committee '{decision.taken_in}'"))
        if decision.taken_in and decision.committee and decision.committee != decision.taken_in:
            problems.append((("decisions", di, "committee"),
                             f"'{decision.committee}' differs from taken_in '{decision.taken_in}'"))
        if decision.settled_by is not None and decision.settled_by not in SETTLERS:
            problems.append((("decisions", di, "settled_by"),
                             f"unknown work '{decision.settled_by}' (known: {', '.join(sorted(SETTLERS))})"))
        elif decision.settled_by is not None and decision.id not in _settled_keys(wf, decision.settled_by):
            problems.append((("decisions", di, "settled_by"),
                             f"the work '{decision.settled_by}' does not record '{decision.id}' "
                             f"(see the work section: {SETTLERS[decision.settled_by].about})"))
        for si, stage_id in enumerate(decision.stages):
            if stage_id not in stage_ids:
                problems.append((("decisions", di, "stages", si), f"unknown stage '{stage_id}'"))
        for si, stage in enumerate(wf.stages):
            if decision.stages and decision.id in stage.gate.decisions and not _reachable(
                    stage_ids, decision.stages, stage.id):
                problems.append((("decisions", di, "stages"),
                                 f"the gate of '{stage.id}' needs '{decision.id}', which cannot be taken in "
                                 f"'{stage.id}' or before"))

    for ci, committee in enumerate(wf.committees):
        for mi, member in enumerate(committee.members):
            if member not in roles:
                problems.append((("committees", ci, "members", mi), f"unknown role '{member}'"))

    anchors = date_anchors(wf)
    for di, deadline in enumerate(wf.deadlines):
        if deadline.relative_to not in anchors:
            problems.append((("deadlines", di, "relative_to"),
                             f"unknown date '{deadline.relative_to}' (known: {', '.join(sorted(anchors))})"))
        if deadline.estimate_from is not None and deadline.estimate_from not in anchors:
            problems.append((("deadlines", di, "estimate_from"), f"unknown date '{deadline.estimate_from}'"))
        if deadline.relative_to in decisions and deadline.estimate_from is None:
            problems.append((("deadlines", di, "estimate_from"),
                             f"needed: '{deadline.relative_to}' is a decision, so planning needs a date to estimate it from"))
        if deadline.done_by is not None and deadline.done_by not in decisions:
            problems.append((("deadlines", di, "done_by"), f"unknown decision '{deadline.done_by}'"))
        if deadline.stage is not None and deadline.stage not in stage_ids:
            problems.append((("deadlines", di, "stage"), f"unknown stage '{deadline.stage}'"))

    problems += _work_problems(wf, decisions, stage_ids)
    problems += _unique(wf.reminders, ("reminders",), "reminder rule")
    for ri, rule in enumerate(wf.reminders):
        if rule.id in RESERVED_REMINDER_IDS:
            problems.append((("reminders", ri, "id"), f"'{rule.id}' is reserved for messages setupflow sends itself"))
        for ci, committee in enumerate(rule.committees):
            if committee not in committees:
                problems.append((("reminders", ri, "committees", ci), f"unknown committee '{committee}'"))
        if rule.committees and rule.event not in MEETING_EVENTS:
            problems.append((("reminders", ri, "committees"), f"only meeting rules name committees, not '{rule.event}'"))
        if rule.days is None and rule.event != "meeting_invitation":
            problems.append((("reminders", ri, "days"), f"needed for a '{rule.event}' rule"))
        for ti, spec in enumerate(rule.to):
            if (spec == "invitees" or spec.startswith("role:")) and rule.event not in MEETING_EVENTS:
                problems.append((("reminders", ri, "to", ti), f"'{spec}' only makes sense for a meeting rule"))
            if spec == "owner" and rule.event not in ACTION_EVENTS:
                problems.append((("reminders", ri, "to", ti), "'owner' only makes sense for an action item rule"))
            category = spec.partition(":")[2] if spec.startswith("organisation:") else None
            if category is not None and organisation_categories is not None \
                    and category not in organisation_categories:
                problems.append((("reminders", ri, "to", ti),
                                 f"unknown organisation category '{category}' (vocabulary: "
                                 f"{', '.join(organisation_categories)})"))

    terms = set()
    for gi, entry in enumerate(wf.glossary):
        if entry.term in terms:
            problems.append((("glossary", gi, "term"), f"term '{entry.term}' is given twice"))
        terms.add(entry.term)
    return problems


def _settled_keys(wf: Workflow, settler: str) -> set[str]:
    """The decisions a kind of work records, as the definition's work section names them."""
    work = wf.work
    if settler == "diagnostic_choice":
        return {work.diagnostic.structure_decision} if work.diagnostic else set()
    if settler == "call_selection":
        return {c.selection_decision for c in work.calls}
    if settler == "call_publication":
        return {c.publication_decision for c in work.calls if c.publication_decision}
    if settler == "dui_circuit":
        return {work.support.dui.signed_decision} if work.support and work.support.dui else set()
    if settler == "opening_confirmation":
        return {work.support.opening_decision} if work.support and work.support.opening_decision else set()
    return set()


def _reachable(stage_ids: list[str], allowed, gate_stage: str) -> bool:
    """A decision allowed in ``allowed`` can be taken by the time the gate of ``gate_stage`` is read."""
    limit = stage_ids.index(gate_stage)
    return any(s in stage_ids and stage_ids.index(s) <= limit for s in allowed)


def _evidence_problem(wf: Workflow, spec: str, organisation_categories=None) -> str | None:
    name, argument = split_evidence(spec)
    kind = EVIDENCE_KINDS.get(name)
    if kind is None:
        return f"unknown evidence '{name}' (known: {', '.join(sorted(EVIDENCE_KINDS))})"
    if kind.needs is not None and not getattr(wf.work, kind.needs):
        return f"evidence '{name}' needs a 'work.{kind.needs}' section in the definition"
    if kind.argument is None and argument is not None:
        return f"evidence '{name}' takes no argument"
    if kind.argument == "workstream":
        known = [w.id for w in wf.work.support.workstreams]
        if argument not in known:
            return f"evidence '{name}' needs a workstream id after ':' (known: {', '.join(known)})"
    if kind.argument == "committee":
        known = [c.id for c in wf.committees]
        if argument not in known:
            return f"evidence '{name}' needs a committee id after ':' (known: {', '.join(known) or 'none'})"
    if kind.argument == "categories":
        given = (argument or "").split(",") if argument else []
        if not given:
            return f"evidence '{name}' needs organisation categories after ':' (e.g. {name}:ep,spip,disp)"
        if organisation_categories is not None:
            unknown = [c for c in given if c not in organisation_categories]
            if unknown:
                return (f"evidence '{name}': unknown organisation category '{unknown[0]}' (vocabulary: "
                        f"{', '.join(organisation_categories)})")
        if len(set(given)) != len(given):
            return f"evidence '{name}': a category is given twice"
    return None


def _work_problems(wf: Workflow, decisions: set[str], stage_ids: list[str]):
    kinds = {d.id: d.kind for d in wf.decisions}
    deadlines = {d.id for d in wf.deadlines}

    def decision(path, key, kind):
        if key is None:
            return
        if key not in decisions:
            yield path, f"unknown decision '{key}'"
        elif kinds[key] != kind:
            yield path, f"decision '{key}' must be of kind '{kind}', not '{kinds[key]}'"

    work = wf.work
    if work.diagnostic:
        yield from decision(("work", "diagnostic", "structure_decision"), work.diagnostic.structure_decision,
                            "choice")
    for ci, call in enumerate(work.calls):
        where = ("work", "calls", ci)
        if call.stage not in stage_ids:
            yield where + ("stage",), f"unknown stage '{call.stage}'"
        yield from decision(where + ("selection_decision",), call.selection_decision, "text")
        yield from decision(where + ("publication_decision",), call.publication_decision, "date")
        if call.answers_deadline is not None and call.answers_deadline not in deadlines:
            yield where + ("answers_deadline",), f"unknown deadline '{call.answers_deadline}'"
        yield from _unique(call.criteria, where + ("criteria",), "criterion")
    if work.support:
        yield from _unique(work.support.workstreams, ("work", "support", "workstreams"), "workstream")
        yield from decision(("work", "support", "opening_decision"), work.support.opening_decision, "date")
        if work.support.dui:
            yield from decision(("work", "support", "dui", "signed_decision"), work.support.dui.signed_decision,
                                "date")
            yield from _unique(work.support.dui.signatories, ("work", "support", "dui", "signatories"),
                               "signatory")
            if work.support.dui.deadline is not None and work.support.dui.deadline not in deadlines:
                yield ("work", "support", "dui", "deadline"), f"unknown deadline '{work.support.dui.deadline}'"
