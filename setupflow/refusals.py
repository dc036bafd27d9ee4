"""The catalogue of refusals: one English template per code, translated by the faces.

Raise with ``InputError(code="date.out_of_range", field="starts_on", value=..., low=..., high=...)``.
Templates use ``%(name)s`` placeholders (gettext style), so the web translates them with
Flask-Babel (``web.problems.explain``) and the CLI prints the English text. Param values are
plain data (str, int, date, Decimal...): each face formats dates and amounts for its reader.
Every code used in the code base must be here (tests/test_refusals.py checks it), and
scripts/translations extracts these templates (marked with ``N_``) into the French catalogue.

A param may itself be a phrase of the catalogue (``Term("privacy.kind.email")``: each face
renders it in its reader's language), a text of the definitions in both languages (a stage's
label: each face picks its language), or a list of such values (joined for the reader).

Codes are grouped by prefix: the kind of input (``date.``, ``amount.``, ``text.``, ``email.``)
or the feature (``call.``, ``dui.``, ``meeting.``...). Add new ones in alphabetical order.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any


def N_(text: str) -> str:
    """Marks a template for extraction into the translation catalogue; returns it unchanged."""
    return text


MESSAGES: dict[str, str] = {
    "account.cress_scope_required": N_("A Cress user needs a region or at least one site."),
    "account.exists": N_("An account already exists for this e-mail address (%(email)s)."),
    "account.reset_link_invalid": N_("This reset link is unknown, already used or expired."),
    "action.meeting_status": N_("A meeting that is %(status)s gives no action items."),
    "action.not_found": N_("No such action item (%(action)s)."),
    "action.owner_not_in_team": N_("Person %(person)s is not an active member of the site's team."),
    "action.text_required": N_("An action item says what to do."),
    "action.action.complete": N_("mark it done"),
    "action.action.drop": N_("drop it"),
    "action.action.reopen": N_("reopen it"),
    "action.status.done": N_("done"),
    "action.status.dropped": N_("dropped"),
    "action.status.open": N_("open"),
    "action.wrong_status": N_("Action item %(action_item)s is %(status)s: you cannot %(action)s."),
    "amount.float": N_("Give the amount as text or a Decimal, not a float."),
    "account.role_invalid": N_("'%(value)s' is not a role (one of %(choices)s)."),
    "amount.invalid": N_("'%(value)s' is not an amount (digits, with a decimal comma or point)."),
    "amount.negative": N_("An amount cannot be negative (%(value)s)."),
    "amount.out_of_range": N_("%(value)s is outside the accepted range (%(low)s to %(high)s)."),
    "amount.too_precise": N_("%(value)s has more than %(places)s decimals."),
    "amount.too_large": N_("'%(value)s' is too large."),
    "application.after_close": N_("This application arrived (%(value)s) after the call closed (%(closes_on)s)."),
    "application.before_publication":
        N_("This date (%(value)s) is before the call was published (%(published_on)s)."),
    "application.duplicate": N_("%(organisation)s has already applied to this call."),
    "application.not_found": N_("Application %(application)s is not an application to call %(call)s."),
    "budget.field_unknown": N_("This is not a field of a budget line."),
    "budget.funder_required": N_("An income line says who funds it."),
    "budget.kind.expense": N_("an expense line"),
    "budget.kind.income": N_("an income line"),
    "budget.line_not_found": N_("Budget line %(line)s is not a line of site %(site)s."),
    "budget.line_stale": N_("Budget line %(line)s was changed by %(by)s since you opened it."),
    "budget.planned_required": N_("Give the planned amount."),
    "budget.status_invalid": N_("The status of %(kind)s is %(allowed)s, not '%(value)s'."),
    "call.already_published": N_("Call %(call)s was already published on %(published_on)s."),
    "call.action.close_unsuccessful": N_("close it as unsuccessful"),
    "call.action.edit": N_("change its text"),
    "call.action.extend": N_("extend it"),
    "call.action.offer_slot": N_("offer a visit or a meeting"),
    "call.action.publish": N_("publish it"),
    "call.action.receive": N_("record an application"),
    "call.action.select": N_("record the committee's selection"),
    "call.action.set_weights": N_("change its weights"),
    "call.bilateral_organisation": N_("A bilateral meeting is with one candidate organisation."),
    "call.capacity_range": N_("The number of places is a whole number between %(low)s and %(high)s."),
    "call.closes_before_publication":
        N_("The closing date (%(closes_on)s) must come after the publication (%(published_on)s)."),
    "call.exists": N_("Site %(site)s already has a call '%(call)s'."),
    "call.field_unknown": N_("This is not an editable field of a call (%(allowed)s)."),
    "call.missing.body": N_("the text of the call"),
    "call.missing.criteria": N_("at least one weighted criterion"),
    "call.missing.needs": N_("the needs of the prison population it answers"),
    "call.name_kind": N_("Name the kind of call (%(known)s)."),
    "call.name_one": N_("Site %(site)s has several calls: name one (%(known)s)."),
    "call.none_drafted": N_("Site %(site)s has no call %(call)s drafted yet."),
    "call.not_ready": N_("The call cannot be published yet: it needs %(missing)s."),
    "call.short_answer_window":
        N_("Candidates get %(days)s days to answer; the method advises at least %(advised)s (two to three "
           "months)."),
    "call.slot_after_close": N_("Visits and meetings come before the call closes (%(closes_on)s), not on %(value)s."),
    "call.status.closed": N_("closed to answers"),
    "call.status.draft": N_("a draft"),
    "call.status.published": N_("published"),
    "call.status.selected": N_("closed with a selection"),
    "call.status.unsuccessful": N_("closed as unsuccessful"),
    "call.stale": N_("Call %(call)s was changed by %(by)s since you opened it: reload and redo your edit."),
    "call.title_required": N_("A call needs a title."),
    "call.weight_all_zero": N_("At least one criterion must weigh something."),
    "call.weight_invalid": N_("The weight of %(criterion)s is not a whole number: '%(value)s'."),
    "call.weight_range": N_("The weight of %(criterion)s is between %(low)s and %(high)s."),
    "call.weights_fixed":
        N_("Call %(call)s was published on %(published_on)s: its criteria weights are fixed so that every "
           "candidate is judged on the published rules."),
    "call.wrong_status": N_("Call %(call)s is %(status)s: you cannot %(action)s."),
    "candidacy.closed": N_("The call closed on %(closes_on)s at %(at)s (%(zone)s time): an application can no "
                           "longer be submitted."),
    "candidacy.not_found": N_("Application %(candidacy)s is not one of yours."),
    "candidacy.not_open": N_("This call is not open to applications yet (it opens on %(opens)s)."),
    "candidacy.role": N_("A %(role)s account cannot apply to a call: apply with an applicant account."),
    "candidacy.submitted": N_("This application is already submitted: its answers and files are with the "
                              "committee."),
    "choice.invalid": N_("'%(value)s' is not one of %(allowed)s."),
    "crash.count_invalid": N_("'%(value)s' after '%(point)s:' is not a count (1, 2, 3...)."),
    "crash.point_unknown": N_("'%(value)s' is not a crash point; use one of %(allowed)s."),
    "call.extension_not_later": N_("%(value)s does not extend the call: it closes on %(closes)s; give a later day."),
    "date.invalid": N_("'%(value)s' is not a date (expected YYYY-MM-DD)."),
    "date.out_of_range": N_("%(value)s is outside the accepted years (%(low)s to %(high)s)."),
    "dates.end_before_start": N_("The end (%(end)s) comes before the start (%(start)s)."),
    "datetime.invalid": N_("'%(value)s' is not a date and time (expected YYYY-MM-DD HH:MM)."),
    "datetime.no_time_zone": N_("Give a time zone with the date and time."),
    "decision.already_taken":
        N_("This decision is already taken (%(value)s, decision #%(previous)s): give a reason to replace "
           "it."),
    "decision.not_found": N_("Decision %(decision)s is not a decision of site %(site)s."),
    "decision.not_found_id": N_("No such decision (%(decision)s)."),
    "decision.other_committee":
        N_("This decision is taken by the %(committee)s committee, not the %(meeting_committee)s committee."),
    "decision.superseded": N_("Decision %(decision)s is already superseded."),
    "decision.text_required": N_("A decision needs a text."),
    "decision.unknown": N_("Unknown decision '%(decision)s' in %(workflow)s (known: %(known)s)."),
    "decision.value_not_a_choice": N_("Choose one of the values offered ('%(value)s' is not one of %(allowed)s)."),
    "decision.value_required": N_("Give a value for the decision."),
    "decision.withdraw_reason_required": N_("Give a reason: say why the decision is withdrawn."),
    "diagnostic.category_twice": N_("The category '%(category)s' of %(dimension)s is given twice."),
    "diagnostic.category_unnamed": N_("A category of %(dimension)s needs a name."),
    "diagnostic.conclusions_required": N_("Write the conclusions of the diagnostic."),
    "diagnostic.count_invalid": N_("The count for %(what)s is not a whole number: %(value)s."),
    "diagnostic.count_negative": N_("The count for %(what)s cannot be negative."),
    "diagnostic.dimension_unknown":
        N_("'%(value)s' is not a dimension of the definition (%(known)s): give it a label to add it."),
    "diagnostic.finding_required": N_("Say what the diagnostic found, and from which sources, before marking the "
                                      "hypothesis confirmed or refuted."),
    "diagnostic.hypothesis_not_found": N_("There is no starting hypothesis %(hypothesis)s on this site."),
    "diagnostic.hypothesis_required": N_("Write the starting hypothesis."),
    "diagnostic.indicator_empty": N_("Give at least one category with its count for %(dimension)s (CATEGORY=COUNT)."),
    "diagnostic.individual_one_participant": N_("An individual interview has one participant."),
    "diagnostic.initiative_unnamed": N_("An initiative needs a name."),
    "diagnostic.obtained_on_not_obtained":
        N_("Only an obtained source has a date obtained (this one is '%(status)s')."),
    "diagnostic.obtained_on_required": N_("Give the date the data was obtained."),
    "diagnostic.participants_none": N_("Give the number of participants (a whole number, at least 1)."),
    "diagnostic.rationale_required": N_("Say why this structure type answers the needs found."),
    "diagnostic.themes_required": N_("Give at least one theme raised."),
    "document.docx_kinds": N_("The DOCX format is available for %(allowed)s, not %(kind)s."),
    "document.ics_invitation_only":
        N_("The ICS format is the invitation of a meeting of this site (kind invitation, --meeting)."),
    "document.meeting_other_site": N_("Meeting %(meeting)s belongs to another site."),
    "document.meeting_required": N_("The %(kind)s is the document of a meeting: say which (--meeting)."),
    "dui.already_signed": N_("%(signatory)s already signed the DUI on %(signed_on)s."),
    "dui.action.sign": N_("sign it"),
    "dui.before_previous": N_("A signature cannot come before the previous one (%(previous)s, %(previous_on)s)."),
    "dui.out_of_order": N_("The DUI is signed in order: waiting first for %(waiting)s."),
    "dui.signed_by_required": N_("Say who signed."),
    "dui.signed_in_future": N_("A signature date cannot be in the future (%(value)s)."),
    "dui.status.signed": N_("signed by every signatory"),
    "dui.status.signing": N_("being signed"),
    "dui.status.unsigned": N_("not signed yet"),
    "dui.wrong_state": N_("The DUI is %(state)s: you cannot %(action)s."),
    "decision.meeting_not_held": N_("Meeting %(meeting)s is not recorded as held with its attendance: the decision "
                                    "'%(decision)s' is taken in a meeting that took place."),
    "decision.needs_meeting": N_("The decision '%(decision)s' is taken in a held meeting of the %(committee)s: "
                                 "say which meeting."),
    "decision.settled_by_diagnostic": N_("The decision '%(decision)s' is the diagnostic's choice: record it with "
                                         "`%(command)s` or on the site's diagnostic page."),
    "decision.settled_by_dui": N_("The decision '%(decision)s' is the date of the DUI's last signature: record the "
                                  "signatures with `%(command)s` or on the site's support page."),
    "decision.settled_by_opening": N_("The decision '%(decision)s' is the confirmation of the opening: confirm it with "
                                      "`%(command)s` or on the site's support page."),
    "decision.settled_by_publication": N_("The decision '%(decision)s' is the publication of the call: publish it "
                                          "with `%(command)s` or on the call's page."),
    "decision.settled_by_selection": N_("The decision '%(decision)s' is the committee's selection among the call's "
                                        "applications: record it with `%(command)s` or on the call's page."),
    "decision.wrong_committee": N_("Meeting %(meeting)s is a meeting of the %(other)s; the decision '%(decision)s' "
                                   "is taken by the %(committee)s."),
    "decision.wrong_stage": N_("The decision '%(decision)s' is taken in the stage %(stages)s; the site is in the "
                               "stage %(stage)s."),
    "email.invalid": N_("'%(value)s' is not an e-mail address."),
    "invitation.invalid": N_("This invitation link is unknown, already used or expired."),
    "meeting.date_out_of_range": N_("This meeting is stored on %(value)s, outside the accepted years (%(low)s to %(high)s): move it to a real date."),
    "file.archive_member_too_large": N_("The file's archive member '%(member)s' unpacks to more than %(limit)s bytes: "
                                         "this is not an office document."),
    "import.bad_value": N_("%(value)s is not %(expected)s."),
    "import.foreign": N_("The file was not signed by this installation (it comes from another one, or was edited "
                         "by hand); nothing was imported. Import it with --accept-foreign if you trust its origin."),
    "import.snapshot_invalid": N_("The workflow definition in the file is not valid: %(problem)s."),
    "minutes.before_meeting": N_("The meeting has not started yet (it starts %(starts)s): minutes are written once it "
                                 "has begun; prepare its agenda until then."),
    "number.invalid": N_("'%(value)s' is not a whole number."),
    "number.out_of_range": N_("%(value)s is outside the accepted range (%(low)s to %(high)s)."),
    "preferences.unknown_kind": N_("'%(value)s' is not a kind of reminder one can stop (%(allowed)s)."),
    "proconnect.not_linked": N_("This account is not linked to ProConnect."),
    "proconnect.unlink_required": N_("ProConnect is required for your role: this account cannot be unlinked from it."),
    "programme.already_planned": N_("The accompaniment of this edition is already planned."),
    "programme.application_not_found": N_("Application %(application)s is not an application to edition %(edition)s."),
    "programme.application_step": N_("The application is at the status '%(status)s': it cannot take this step."),
    "programme.count_invalid": N_("'%(value)s' is not a count (a whole number from 0)."),
    "programme.duplicate_application": N_("'%(organisation)s' has already applied for '%(project)s' to this edition."),
    "programme.edition_exists": N_("This programme already has an edition named '%(label)s'."),
    "programme.edition_not_found": N_("No edition %(edition)s."),
    "programme.edition_status": N_("The edition is at the status '%(status)s': this step needs it to be %(needed)s."),
    "programme.laureate_not_found": N_("No laureate %(laureate)s."),
    "programme.laureate_not_in_edition": N_("Laureate %(laureate)s is not a laureate of edition %(edition)s."),
    "programme.max_selected": N_("This call selects at most %(limit)s projects."),
    "programme.meeting_future": N_("The meeting starts on %(starts)s: it cannot be marked as held before then."),
    "programme.meeting_kind": N_("'%(kind)s' is not a kind of meeting of an edition (%(known)s)."),
    "programme.meeting_not_found": N_("Meeting %(meeting)s is not a meeting of edition %(edition)s."),
    "programme.meeting_not_held": N_("The selection is recorded at a held meeting of the selection committee."),
    "programme.member_role": N_("'%(role)s' is not a part in a programme (%(known)s)."),
    "programme.no_weight": N_("At least one criterion must weigh something."),
    "programme.not_found": N_("No programme %(programme)s."),
    "programme.period_invalid": N_("'%(value)s' is not a reporting period of this programme (written like %(example)s)."),
    "programme.period_outside": N_("The period %(value)s is outside the edition (%(starts)s to %(ends)s)."),
    "programme.quorum": N_("%(present)s seats were present; the committee needs %(quorum)s to select."),
    "programme.score_range": N_("The score %(value)s is outside 0 to %(high)s."),
    "programme.select_none": N_("Select at least one application."),
    "programme.step_closed": N_("The step '%(step)s' of the call closed on %(closes)s."),
    "programme.step_not_open": N_("The step '%(step)s' of the call is not open yet (it opens on %(opens)s)."),
    "programme.too_many_organisations": N_("A laureate project is carried by at most %(limit)s organisations."),
    "programme.unknown_criterion": N_("'%(criterion)s' is not a criterion of this call (%(known)s)."),
    "programme.unknown_day": N_("'%(key)s' is not a collective day or event of this programme (%(known)s)."),
    "programme.unknown_field": N_("This is not a question of the step '%(step)s' (%(known)s)."),
    "programme.unknown_indicator": N_("'%(indicator)s' is not an indicator of this programme (%(known)s)."),
    "programme.unknown_seat": N_("'%(seat)s' is not a seat of the committee (%(known)s)."),
    "programme.unknown_section": N_("'%(section)s' is not a text section of the review (%(known)s)."),
    "programme.weight_range": N_("A weight is between 0 and 10, not %(value)s."),
    "programme.weights_fixed": N_("The call was published on %(published)s: its weights are fixed."),
    "reminder.not_cancellable": N_("Reminder %(reminder)s is %(state)s: only a reminder still to send can be cancelled."),
    "reminder.not_found": N_("Site %(site)s has no reminder %(reminder)s."),
    "reminder.not_held": N_("Reminder %(reminder)s is %(state)s, not held."),
    "reminder.not_holdable": N_("Reminder %(reminder)s is %(state)s: only a reminder still to send can be held."),
    "reminder.action.cancel": N_("cancel it"),
    "reminder.action.claim": N_("send it"),
    "reminder.action.deliver": N_("mark it sent"),
    "reminder.action.expire": N_("let it expire"),
    "reminder.action.fail": N_("mark it failed"),
    "reminder.action.hold": N_("hold it back"),
    "reminder.action.release": N_("release it"),
    "reminder.action.revive": N_("plan it again"),
    "reminder.action.withdraw": N_("withdraw it"),
    "reminder.status.cancelled": N_("cancelled for good"),
    "reminder.status.dead": N_("given up"),
    "reminder.status.failed": N_("failed, to be retried"),
    "reminder.status.held": N_("held back"),
    "reminder.status.pending": N_("to send"),
    "reminder.status.sending": N_("being sent"),
    "reminder.status.sent": N_("sent"),
    "reminder.status.withdrawn": N_("withdrawn"),
    "reminder.wrong_state": N_("Reminder %(reminder)s is %(state)s: you cannot %(action)s."),
    "record.created_meanwhile": N_("Someone saved the same thing at the same moment; nothing of yours was saved: "
                                   "reload and try again."),
    "required": N_("This information is required."),
    "text.bidi_control": N_("A name cannot hold a character that changes the reading direction (%(character)s)."),
    "site.replan_before_earliest": N_("The opening %(value)s comes %(days)s days before the earliest the method allows "
                                      "from where the site stands (%(earliest)s, every remaining stage at its "
                                      "minimum): confirm to keep it."),
    "site.target_before_earliest": N_("The target opening %(value)s comes %(days)s days before the earliest the "
                                      "method allows (%(earliest)s, every stage at its minimum): confirm to keep it."),
    "stage.confirm_early": N_("The stage '%(stage)s' reaches its minimum duration on %(day)s, in %(days)s days: "
                              "confirm to move on early (the history will say so)."),
    "stage.final_before_date": N_("The site reaches '%(state)s' on its confirmed date, %(day)s, not before: the "
                                  "worker moves it that day."),
    "text.control_character": N_("The text contains a control character that cannot be stored (%(character)s)."),
    "text.line_break": N_("This must fit on one line."),
    "text.table_too_large": N_("The tables in this text are too large: %(cells)s cells, at most %(limit)s (split "
                                "them or attach a spreadsheet)."),
    "text.too_long": N_("The text is too long: %(length)s characters, at most %(limit)s."),
    "time.invalid": N_("'%(value)s' is not a time of day (expected HH:MM)."),
    "email.line_break": N_("Line breaks are not allowed in an e-mail address."),
    "export.files_missing": N_("Uploaded files of site %(site)s are missing from %(folder)s: %(files)s."),
    "export.points_outside": N_("Row %(row)s points outside the site (%(target)s %(value)s)."),
    "feed.nobody_with_email": N_("Nobody with the address '%(email)s' in any site's team."),
    "feed.not_found": N_("No such feed, or it was revoked."),
    "feed.not_yours": N_("No such live feed of yours (%(feed)s)."),
    "feed.person_or_site": N_("Give either a person or a site."),
    "file.empty": N_("The file %(name)s is empty."),
    "file.name_required": N_("Choose a file to attach."),
    "file.too_large": N_("The file %(name)s is larger than %(limit_mb)s MB."),
    "file.type_refused": N_("The file %(name)s is not of an accepted type (%(allowed)s), whatever its name says."),
    "form.datetime_required": N_("Give a date and a time."),
    "form.duration_invalid": N_("Give the duration as a number of minutes."),
    "form.organisation_required": N_("Choose an organisation of this site."),
    "form.person_required": N_("Choose a person of the team file."),
    "form.successor_required": N_("Choose who takes over."),
    "form.version_missing": N_("The form is missing its version: reload the page."),
    "handover.already_left": N_("%(person)s already left on %(left_on)s."),
    "handover.other_site": N_("Both people must belong to the same site."),
    "handover.self": N_("Someone cannot succeed themselves."),
    "import.checksum_mismatch": N_("Checksum mismatch: the file was changed or damaged after export."),
    "import.columns_mismatch": N_("Row %(row)s of %(table)s does not have the columns of this version."),
    "import.dangling": N_("Points to %(target)s %(value)s, which the export lacks."),
    "import.definition_differs":
        N_("Definition %(workflow)s v%(version)s differs in this database from the one the site was "
           "exported with."),
    "import.file_checksum": N_("Its content does not match its recorded SHA-256 and size."),
    "import.file_content_missing": N_("Its content is not in the export."),
    "import.file_exists": N_("A stored file named %(name)s already exists."),
    "import.file_not_base64": N_("Its content is not valid base64."),
    "import.format_version": N_("Export format version %(version)s; this setupflow reads version %(expected)s."),
    "import.no_checksum": N_("Payload or checksum missing."),
    "import.no_format_marker": N_("Not a setupflow site export (format marker '%(marker)s' missing)."),
    "import.not_json": N_("Not a setupflow export, or truncated (invalid JSON: %(error)s)."),
    "import.not_utf8": N_("Not a setupflow export (not UTF-8 text)."),
    "import.one_site": N_("An export holds exactly one site."),
    "import.payload_shape": N_("Expected 'snapshot', 'tables' and 'files'."),
    "import.refused_by_database": N_("The database refuses the rows (already imported here?): %(error)s"),
    "import.schema":
        N_("Exported at database schema %(schema)s, this setupflow is at %(head)s: import it with the "
           "setupflow version that exported it, then upgrade."),
    "import.stored_name": N_("The stored name %(name)s is not a name setupflow generates."),
    "import.tables_mismatch":
        N_("The tables do not match this version (unknown: %(unknown)s; missing: %(missing)s)."),
    "import.value_invalid": N_("'%(value)s' is not a valid %(type)s (%(error)s)."),
    "meeting.action.cancel": N_("cancel it"),
    "meeting.action.change": N_("change it"),
    "meeting.action.change_agenda": N_("change its agenda"),
    "meeting.action.confirm": N_("confirm it"),
    "meeting.action.hold": N_("hold it"),
    "meeting.action.invite": N_("invite people to it"),
    "meeting.action.miss": N_("record it as missed"),
    "meeting.action.move": N_("move it"),
    "meeting.action.share_roles": N_("share its roles"),
    "meeting.action.add_action": N_("give it action items"),
    "meeting.action.approve_minutes": N_("approve its minutes"),
    "meeting.action.take_decision": N_("record a decision in it"),
    "meeting.action.write_minutes": N_("write its minutes"),
    "meeting.agenda_title": N_("An agenda item needs a title of at most %(limit)s characters."),
    "meeting.duration_range": N_("A meeting lasts between %(low)s and %(high)s minutes."),
    "meeting.not_a_working_day": N_("%(day)s is a weekend day or a public holiday (department %(department)s)."),
    "meeting.not_found": N_("No such meeting (%(meeting)s)."),
    "meeting.not_held_yet": N_("The meeting has not taken place yet (%(starts)s)."),
    "meeting.not_invited": N_("Person %(person)s was not invited to meeting %(meeting)s."),
    "meeting.not_started": N_("The meeting starts on %(starts)s: it cannot be held yet."),
    "meeting.person_not_in_team": N_("This person (%(person)s) is not in the site's team file."),
    "meeting.status.cancelled": N_("cancelled"),
    "meeting.status.held": N_("held"),
    "meeting.status.minutes_approved": N_("closed (minutes approved)"),
    "meeting.status.missed": N_("missed by the laureate"),
    "meeting.status.proposed": N_("proposed"),
    "meeting.status.scheduled": N_("scheduled"),
    "meeting.takes_no_decision": N_("A meeting that is %(status)s takes no decision."),
    "meeting.video_link_invalid": N_("'%(value)s' is not an http(s) link."),
    "meeting.wrong_status": N_("This meeting is %(status)s: you cannot %(action)s."),
    "minutes.approve_not_held": N_("Only the minutes of a held meeting are approved (this one is %(status)s)."),
    "minutes.empty": N_("The minutes are empty."),
    "minutes.meeting_status": N_("Minutes are written for a scheduled or held meeting, not one that is %(status)s."),
    "minutes.none_to_approve": N_("There are no minutes to approve."),
    "minutes.stale_approval":
        N_("You approve version %(version)s but the minutes are at version %(current)s: read the latest "
           "version first."),
    "password.same_as_email": N_("The password must differ from the e-mail address."),
    "password.too_common": N_("This password is too common; choose another one."),
    "password.too_long": N_("The password has at most %(limit)s characters."),
    "password.too_short": N_("The password needs at least %(limit)s characters."),
    "personal_data.nobody": N_("Nobody with the address %(email)s."),
    "phone.invalid": N_("'%(value)s' is not a phone number."),
    "privacy.identifying":
        N_("%(problem)s; the diagnostic keeps aggregates and themes only, never data about one person: "
           "rewrite it without the identifying part."),
    "privacy.kind.email": N_("looks like an e-mail address"),
    "privacy.kind.full_date": N_("contains a full date (a birth date or a date about one person)"),
    "privacy.kind.name_field": N_("looks like a person's name (a 'nom :' field)"),
    "privacy.kind.name_surname": N_("looks like a person's name (first name and SURNAME)"),
    "privacy.kind.name_title": N_("looks like a person's name (title followed by a name)"),
    "privacy.kind.phone": N_("looks like a phone number"),
    "privacy.kind.register_number": N_("looks like a prison register number (numéro d'écrou)"),
    "record.stale":
        N_("This record was changed by someone else since you read it; nothing of yours was saved: reload "
           "it and try again."),
    "reminder.not_withdrawable":
        N_("Reminder %(reminder)s is %(state)s: only a pending or failed one can be withdrawn."),
    "revision.race": N_("Saved by someone else at the same moment: reload and save again."),
    "revision.stale":
        N_("Edited since version %(based_on)s (now version %(current)s): reload, redo your change and save "
           "again."),
    "score.conflict_of_interest": N_("%(member)s declared a conflict of interest on this application and cannot "
                                     "score it."),
    "score.invalid": N_("The score for %(criterion)s is not a whole number: '%(value)s'."),
    "score.member_not_on_committee": N_("%(member)s does not sit on the %(committee)s on %(day)s: a score sheet is "
                                        "by a member of the committee that selects (add the seat in the team file)."),
    "score.member_required": N_("Say which committee member scores."),
    "score.member_unknown": N_("'%(member)s' is not a person of the team file who sits on the committee that "
                               "selects; its members: %(members)s."),
    "score.none": N_("Give at least one score (CRITERION=SCORE)."),
    "score.out_of_range": N_("The score for %(criterion)s (%(value)s) is outside the scale, 0 to %(high)s."),
    "selection.none": N_("Select at least one application."),
    "selection.too_many": N_("This call selects at most %(limit)s."),
    "site.final": N_("Site %(site)s is already in its final state (%(stage)s)."),
    "site.name_required": N_("Give the site a name."),
    "site.not_found": N_("No site %(site)s."),
    "site.opening_before_start": N_("The target opening (%(opening)s) must come after the start (%(start)s)."),
    "site.outside_region": N_("You can create sites in your region (%(region)s) only."),
    "site.reopen_managers_only": N_("Reopening a stage is for managers."),
    "site.reopen_not_before": N_("The stage '%(stage)s' does not come before the current stage '%(current)s'."),
    "site.reopen_reason_required": N_("Give a reason: say why the stage is reopened."),
    "site.upgrade_managers_only": N_("Upgrading a site's workflow version is for managers."),
    "stage.gate_not_met": N_("The site cannot leave this stage yet. Missing: %(missing)s"),
    "task.met_by_work":
        N_("This task is met by the work itself (diagnostic, calls, support, budget pages): it cannot be "
           "ticked by hand."),
    "task.unknown": N_("This task (%(task)s) is not part of the site's method."),
    "team.email_taken": N_("%(email)s is already in the team file of this site."),
    "team.field_unknown": N_("This is not a field of a person (%(allowed)s)."),
    "team.not_on_committee": N_("%(person)s does not sit on the committee '%(committee)s'."),
    "team.organisation_other_site": N_("The organisation %(organisation)s belongs to another site."),
    "team.organisation_unknown":
        N_("'%(value)s' is neither a category (%(categories)s) nor an organisation of site %(site)s (known:"
           " %(known)s): give its category to create it."),
    "team.person_left": N_("%(person)s left the project on %(left_on)s."),
    "team.person_not_found": N_("No such person (%(person)s) on this site."),
    "upgrade.drops_done_tasks": N_("Version %(version)s of %(workflow)s drops done tasks: %(tasks)s."),
    "upgrade.older_version": N_("Site %(site)s runs version %(version)s; %(source)s has the older %(older)s."),
    "upgrade.same_version": N_("Site %(site)s already runs %(workflow)s version %(version)s."),
    "upgrade.stage_missing":
        N_("Version %(version)s of %(workflow)s has no stage '%(stage)s': reopen an existing stage first."),
    "workflow.no_diagnostic": N_("The workflow '%(workflow)s' has no diagnostic."),
    "workflow.no_dui": N_("The workflow '%(workflow)s' has no DUI."),
    "workflow.no_opening_decision": N_("The workflow '%(workflow)s' has no opening decision."),
    "workflow.no_support": N_("The workflow '%(workflow)s' has no support workstreams."),
    "workflow.unknown": N_("Unknown workflow '%(workflow)s' (known: %(known)s)."),
    "workflow.version_unchanged":
        N_("%(source)s: the content of '%(workflow)s' changed but its version is still %(version)s, which "
           "sites already use; give it a new version number."),
    "workshop.not_open": N_("The workshop reports its figures once it has opened."),
}


class Term(str):
    """A param that names a phrase of this catalogue (a kind of problem...): rendered, not shown as a key."""


def english(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The English text of a refusal (what the CLI prints and the logs keep)."""
    template = MESSAGES[code]  # an unknown code is a programming error, caught by the tests
    values = {k: _plain(v) for k, v in (params or {}).items()}
    return template % values if values else template


def _plain(value: Any) -> Any:
    if isinstance(value, Term):
        return MESSAGES[value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_plain(v)) for v in value)
    if hasattr(value, "en") and hasattr(value, "fr"):  # a definition's Text
        return value.en
    if hasattr(value, "fr") and hasattr(value, "en") and callable(getattr(value, "get", None)):
        return value.get("en")  # a text of the definition in both languages
    return value
