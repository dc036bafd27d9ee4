"""What every text column may hold, so that no column can hold a detainee's identity unseen.

Each String/Text/JSON column of every model is in exactly one category:

- ``screened``: free text about the prison population (the diagnostic); every write goes
  through ``privacy.refuse_identifying``, which refuses identifying shapes;
- ``professional``: the name, function or contact of a professional (team file, accounts,
  who recorded something); personal data of professionals, exported and erased on request;
- ``organisation``: an organisation's name or legal data;
- ``code``: an identifier, key, enum value, hash, language, zone or URL chosen from a list
  or generated; never free text;
- ``project``: free text about the project written by professionals (decisions, minutes,
  calls, notes). Not screened, because professionals' names legitimately appear in it; the
  operator's guidance (README "Security and data protection") forbids detainee data there.

tests/reliability/test_personal_data.py fails on a text column missing from this register.
"""
from __future__ import annotations

CATEGORIES = ("screened", "professional", "organisation", "code", "project")

REGISTER: dict[str, dict[str, str]] = {
    "login_failures": {"email": "professional"},
    "rate_limits": {"key": "professional"},
    "audit_log": {"actor": "professional", "target": "code", "action": "code", "fields": "code"},
    "mail_preferences": {"email": "professional", "digest_at": "code", "stopped": "code"},
    "users": {"email": "professional", "display_name": "professional", "password_hash": "code", "role": "code",
              "region": "code", "language": "code", "oidc_issuer": "code", "oidc_subject": "code"},
    "proconnect_roles": {"role": "code"},
    "workflow_snapshots": {"workflow_id": "code", "digest": "code", "document": "code"},
    "password_reset_tokens": {"token_hash": "code"},
    "sites": {"name": "project", "stage": "code", "establishment": "organisation", "region": "code", "disp": "code",
              "department": "code"},
    "budget_lines": {"kind": "code", "category": "code", "label": "project", "funder": "organisation",
                     "status": "code", "changed_by": "professional"},
    "calls": {"call_key": "code", "title": "project", "body": "project", "needs": "project",
              "workshop_zone": "project", "surveillance_constraints": "project", "criteria": "code",
              "distribution": "organisation", "changed_by": "professional", "status": "code",
              "unsuccessful_reason": "project"},
    "diagnostic_indicators": {"dimension": "screened", "label": "screened", "cells": "screened",
                              "source_key": "code", "changed_by": "professional"},
    "diagnostic_initiatives": {"name": "screened", "kind": "code", "description": "screened",
                               "recorded_by": "professional"},
    "diagnostic_interviews": {"audience": "code", "format": "code", "themes": "screened", "summary": "screened",
                              "recorded_by": "professional"},
    "diagnostic_reports": {"conclusions": "screened", "changed_by": "professional"},
    "diagnostic_hypotheses": {"statement": "screened", "status": "code", "finding": "screened",
                              "recorded_by": "professional", "changed_by": "professional"},
    "diagnostic_sources": {"source_key": "code", "status": "code", "provider": "screened", "note": "screened",
                           "changed_by": "professional"},
    "document_section_revisions": {"document": "code", "section": "code", "body_md": "project",
                                   "saved_by": "professional"},
    "dui_signatures": {"signatory": "code", "signed_by": "professional", "recorded_by": "professional"},
    "feed_tokens": {"token_hash": "code", "email": "professional"},
    "feed_parts": {"lang": "code", "version": "code", "body": "project"},
    "worker_runs": {"job": "code", "last_error": "code", "process": "code"},
    "site_summaries": {"health": "code", "health_reason": "code", "deadline_id": "code",
                       "next_meeting_committee": "code", "unmet_gates": "code",
                       "name_key": "project", "stage": "code", "region": "code", "disp": "code"},
    "site_summary_counts": {"region": "code", "disp": "code", "health": "code", "stage": "code"},
    "meetings": {"committee_id": "code", "status": "code", "timezone": "code", "place": "project",
                 "video_url": "code", "uid": "code", "cancelled_reason": "project", "topic": "code",
                 "seats_present": "code"},
    "organisations": {"name": "organisation", "category": "code"},
    "reminders": {"rule": "code", "subject": "code", "recipient": "professional", "recipient_name": "professional",
                  "language": "code", "template": "code", "context": "project", "state": "code",
                  "message_id": "code", "last_error": "code", "queue": "code"},
    "site_history": {"actor": "professional", "action": "code", "stage": "code", "detail": "project",
                     "reason": "project"},
    "site_tasks": {"task_key": "code", "changed_by": "professional"},
    "support_immersions": {"note": "project", "changed_by": "professional"},
    "support_items": {"workstream": "code", "item": "code", "note": "project", "changed_by": "professional"},
    "agenda_items": {"title": "project", "notes": "project"},
    "budget_changes": {"actor": "professional", "changes": "project"},
    "call_applications": {"organisation": "organisation", "legal_status": "organisation", "structure_type": "code",
                          "activity": "organisation", "recorded_by": "professional"},
    "call_slots": {"kind": "code", "place": "project", "organisation": "organisation"},
    "decisions": {"key": "code", "value": "project", "text": "project", "recorded_by": "professional",
                  "superseded_reason": "project"},
    "minutes_revisions": {"body_md": "project", "saved_by": "professional"},
    "people": {"name": "professional", "function": "professional", "email": "professional",
               "phone": "professional", "language": "code"},
    "action_items": {"text": "project", "status": "code"},
    "call_application_files": {"original_name": "organisation", "stored_name": "code", "content_type": "code",
                               "sha256": "code", "uploaded_by": "professional"},
    "call_scores": {"member": "professional", "criterion": "code"},
    "committee_memberships": {"committee_id": "code"},
    "meeting_attendees": {"attendance": "code"},
    "meeting_roles": {"role": "code"},
    # programmes (setupflow/programmes): organisations' projects, never a detainee's record;
    # the reports' comments and the review's texts are screened by privacy.identifying_problem
    "programme_editions": {"programme_id": "code", "label": "project", "status": "code", "criteria": "code",
                           "review_texts": "screened", "changed_by": "professional"},
    "programme_applications": {"project": "project", "organisation": "organisation", "department": "code",
                               "purpose": "project", "step": "code", "status": "code", "answers": "project",
                               "recorded_by": "professional"},
    "programme_scores": {"member": "professional", "criterion": "code"},
    "programme_decisions": {"key": "code", "value": "project", "text": "project", "decided_by": "professional"},
    "programme_laureates": {"project": "project", "organisations": "organisation", "department": "code",
                            "city": "project", "purpose": "project", "path": "project", "parrains": "professional"},
    "programme_reports": {"period": "code", "comment": "screened", "reported_by": "professional"},
    "programme_report_values": {"indicator": "code", "period": "code"},
    "programme_laureate_sums": {"indicator": "code"},
    "programme_period_sums": {"indicator": "code", "period": "code"},
    "programme_members": {"programme_id": "code", "role": "code", "seat": "code"},
    # candidates applying themselves (setupflow/applicants) and committee members' conflicts (setupflow/reviews)
    "candidacies": {"answers": "project"},
    "candidacy_files": {"step": "code", "field": "code", "original_name": "organisation", "stored_name": "code",
                        "content_type": "code", "sha256": "code"},
    "programme_application_files": {"step": "code", "field": "code", "original_name": "organisation",
                                    "stored_name": "code", "content_type": "code", "sha256": "code",
                                    "uploaded_by": "professional"},
    "conflicts_of_interest": {"member": "professional", "reason": "project", "declared_by": "professional"},
    "site_reports": {"period": "code", "comment": "screened", "reported_by": "professional"},
    "site_report_values": {"indicator": "code"},
}

#: how long a row (or the part of it) that holds a secret link lives; ``retention.erase_expired_links``
#: (``setupflow retention run``) erases it once that is over
LIFETIMES: dict[str, str] = {
    "password_reset_tokens": "until expires_dt, 2 hours after the request (accounts.operations.RESET_VALIDITY), "
                             "used or not; a password change erases the account's unused ones at once",
    "reminders": "an account e-mail's link (context path or path_sealed): until the row's expires_dt, 2 hours for "
                 "a reset link, 5 days for an invitation (accounts.invitations.VALIDITY); a sealed link is erased "
                 "as soon as it is sent",
}


def category(table: str, column: str) -> str | None:
    return REGISTER.get(table, {}).get(column)
