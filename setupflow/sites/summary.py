"""A site described as plain data: what the CLI prints and the JSON it emits."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from .models import Site
from .operations import current_decisions, done_tasks, gate_of, planned, progress
from .runtime import workflow_of


def describe(session: Session, site: Site, today: date, lang: str = "en") -> dict:
    workflow = workflow_of(site)
    gate = gate_of(session, site)
    done = done_tasks(session, site)
    prog = progress(session, site, today)
    decisions = current_decisions(session, site)
    return {
        "id": site.id,
        "name": site.name,
        "workflow": workflow.id,
        "workflow_version": workflow.version,
        "stage": site.stage,
        "stage_label": workflow.state_label(site.stage).get(lang),
        "stage_entered_on": site.stage_entered_on.isoformat(),
        "start_on": site.start_on.isoformat(),
        "target_opening_on": site.target_opening_on.isoformat(),
        "establishment": site.establishment,
        "region": site.region,
        "disp": site.disp,
        "gate": gate.as_dict(lang),
        "tasks": [{"key": t.id, "stage": s.id, "label": t.label.get(lang), "done": t.id in done,
                   "evidence": t.evidence}
                  for s in workflow.stages for t in s.tasks],
        "decisions": {k: {"id": d.id, "value": d.value, "text": d.text, "decided_on": d.decided_on.isoformat()}
                      for k, d in decisions.items()},
        "plan": planned(site).as_dict(),
        "forecast": {**prog.plan.as_dict(), "days_in_stage": prog.days_in_stage,
                     "is_past_max": prog.is_past_max, "is_past_hard_max": prog.is_past_hard_max,
                     "stage_due_on": prog.stage_due_on.isoformat() if prog.stage_due_on else None},
    }
