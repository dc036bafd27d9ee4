"""A site whose every free-text field holds script, event-handler, ``javascript:``, template
and formula payloads, typed through the real operations, as a hostile (or careless) user
of each form would. Each payload names its field, so a dialog that fires says where from."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from setupflow.budget.operations import add_line, change_line
from setupflow.calls import applications, files
from setupflow.calls import operations as calls
from setupflow.committees import actions, attendance, operations as meetings
from setupflow.committees.minutes import record_meeting_decision, save_minutes
from setupflow.committees.proposals import propose
from setupflow.diagnostic import operations as diag
from setupflow.documents.note import NOTE_SECTIONS, save_note_section
from setupflow.errors import InputError
from setupflow.sites import operations as ops
from setupflow.support import operations as support
from setupflow.team import operations as team
from setupflow.team.handover import person_leaves

MEETING_AT = datetime(2027, 1, 12, 9, 0, tzinfo=timezone.utc)  # a Tuesday, no holiday
HELD_AT = datetime(2027, 1, 5, 9, 0, tzinfo=timezone.utc)
VECTORS = ("script", "img onerror", "svg onload", "javascript: URL", "Markdown javascript: link",
           "raw HTML in Markdown", "template", "formula")


def text(tag: str) -> str:
    """One line holding every plain-text vector; the alert names the field."""
    return (f'=1+2 <script>alert("{tag}")</script><img src=x onerror=alert("{tag}")>'
            f'"><svg onload=alert("{tag}")> {{{{7*7}}}}{{{{\'<img src=x onerror=alert("{tag}")>\'|safe}}}}')


def markdown(tag: str) -> str:
    """Markdown with raw HTML, a javascript: link and template syntax."""
    return (f"## {text(tag)}\n\n[x](javascript:alert('{tag}'))\n\n<a href=\"javascript:alert('{tag}')\">y</a>\n\n"
            f"<img src=x onerror=alert('{tag}')>\n\n<p onclick=alert('{tag}')>p</p>\n\n"
            f"{{{{ '<img src=x onerror=alert(\"{tag}\")>'|safe }}}}\n\n- {text(tag)}")


def build_hostile_site(session, catalog, manager, now, data_dir, region="Bretagne"):
    """The site, its team, meetings (proposed, scheduled, held, cancelled), call, diagnostic,
    support, budget and note, all written with payloads. Returns the ids the pages need."""
    site = ops.create_site(session, catalog, name=text("site.name"), workflow_id="cress-disp", start_on="2027-01-04",
                           opening_on="2029-01-01", actor=manager, now=now, region=region, disp="DISP Rennes",
                           establishment=text("site.establishment"))
    # the site is taken to the call stage through the real work first (its sponsor is then selected
    # below, from a hostile application, in a held technical committee); what follows overwrites that work
    from setupflow.demo_work import produce, walk

    walk(session, site, "diagnose", manager, now, {})
    produce(session, site, "diagnostic_sources_collected", manager, now)  # the hostile sources overwrite two
    org = team.add_organisation(session, site, name=text("organisation.name"), category="ep", actor=manager, now=now)
    cress = team.organisation_for(session, site, "cress", manager, now)
    people = [team.add_person(session, site, name=text(f"person{i}.name"), email=f"p{i}@example.org",
                              organisation=org if i else cress, actor=manager, now=now,
                              function=text(f"person{i}.function"), phone="02 99 00 00 0" + str(i),
                              committees=("technical", "partnership"), start_on=site.start_on)
              for i in range(3)]
    for tag in ("javascript:alert('person.email')", "x@example.org\"><svg onload=alert(1)>"):
        _refused(lambda: team.update_person(session, site, people[0], manager, now, email=tag))
    _refused(lambda: team.update_person(session, site, people[0], manager, now, phone="javascript:alert(1)"))

    proposed = propose(session, site, now, manager)[0]
    held = meetings.schedule(session, site, "technical", HELD_AT, manager, now, place=text("meeting.place"),
                             video_url="https://visio.example.test/r?x=%22%3E%3Csvg%20onload=alert(1)%3E")
    _refused(lambda: meetings.update_place(session, held, manager, now, video_url="javascript:alert('video')"))
    agenda = [text("agenda.title"), "[x](javascript:alert('agenda')) <a href=\"javascript:alert('agenda')\">y</a>"]
    meetings.set_agenda(session, held, agenda, manager, now)
    attendance.assign_role(session, held, "facilitation", people[1], manager, now)
    later = HELD_AT + timedelta(hours=3)
    attendance.mark_held(session, held, {p.id: "present" for p in people}, manager, later)
    save_minutes(session, held, markdown("minutes"), 0, manager, later)
    record_meeting_decision(session, held, None, None, text("decision.text"), manager, later)
    record_meeting_decision(session, held, None, None, markdown("decision.md"), manager, later)
    actions.add_action(session, held, text("action.text"), people[1], manager, now, due_on="2027-01-20")
    scheduled = meetings.schedule(session, site, "partnership", MEETING_AT, manager, now,
                                  place=text("meeting2.place"))
    meetings.move(session, scheduled, MEETING_AT + timedelta(days=7), manager, now, reason=text("meeting.move"))
    cancelled = meetings.schedule(session, site, "technical", MEETING_AT + timedelta(days=1), manager, now)
    meetings.cancel(session, cancelled, manager, now, reason=text("meeting.cancelled_reason"))

    diagnostic(session, site, manager, now)
    ops.set_task(session, site, "methodology_validated", True, manager, now)
    ops.advance(session, site, manager, now)  # to the call stage, where the sponsor is selected
    call, application, upload = call_work(session, site, manager, now, data_dir)
    selected_at = datetime(2027, 3, 23, 9, tzinfo=timezone.utc)  # once the call has closed
    from setupflow.demo_work import held_meeting

    committee = held_meeting(session, site, "technical", manager, selected_at)
    applications.select_applications(session, site, call, [application.id], text=text("decision.value"),
                                     actor=manager, now=selected_at, meeting=committee)
    applications.select_applications(session, site, call, [application.id], text=text("decision.value2"),
                                     actor=manager, now=selected_at, meeting=committee,
                                     supersede_reason=text("decision.superseded_reason"))
    candidacy_id = applicant_work(session, site, call, application, manager, now, data_dir)
    support_work(session, site, manager, now)
    line = add_line(session, site, kind="expense", category="staff", label=text("budget.label"), planned="1000",
                    funder=text("budget.funder"), actor=manager, now=now)
    change_line(session, site, line, actor=manager, now=now, label=text("budget.label2"))
    from setupflow.documents.note import note_sections

    saved = note_sections(session, site)  # the walk wrote the note (the cooperation's evidence): a new version
    for section in NOTE_SECTIONS:
        save_note_section(session, site, section, markdown(f"note.{section}"),
                          saved[section].version if saved[section] else 0, manager, now)
    ops.set_task(session, site, ops.workflow_of(site).stages[0].gate.tasks[0], True, manager, now)
    ops.record_decision(session, site, key=None, value=None, text=markdown("site.decision"), actor=manager, now=now)
    person_leaves(session, site, people[2], people[1], manager, now)
    programme_ids = programme_work(session, manager, now, data_dir)
    session.commit()
    programme_meeting = programme_ids.pop("programme_meeting_id")
    return {**programme_ids, "site_id": site.id,
            "meeting_id": [proposed.id, held.id, scheduled.id, cancelled.id, programme_meeting],
            "person_id": [p.id for p in people], "call_id": call.id, "application_id": application.id,
            "file_id": upload.id, "line_id": line.id, "candidacy_id": candidacy_id}


def diagnostic(session, site, manager, now):
    spec = diag.spec_of(site)
    for i, source in enumerate(spec.sources[:2]):
        diag.set_source(session, site, source.id, status="obtained", obtained_on="2027-01-02", actor=manager, now=now,
                        provider=text(f"source{i}.provider"), note=text(f"source{i}.note"))
    dimension = spec.dimensions[0]
    diag.set_indicator(session, site, dimension.id, {c.id: 10 + i for i, c in enumerate(dimension.categories)},
                       actor=manager, now=now, label=text("indicator.label"), source_key=spec.sources[0].id)
    diag.log_interview(session, site, held_on="2027-01-03", audience="detainees", format="group", participants=6,
                       themes=[text("interview.theme")], summary=text("interview.summary"), actor=manager, now=now)
    diag.add_initiative(session, site, name=text("initiative.name"), kind=spec.initiative_kinds[0].id,
                        description=text("initiative.description"), actor=manager, now=now)
    diag.write_conclusions(session, site, text("diagnostic.conclusions"), actor=manager, now=now)
    hypothesis = diag.add_hypothesis(session, site, text("hypothesis.statement"), actor=manager, now=now)
    diag.settle_hypothesis(session, site, hypothesis.id, "refuted", finding=text("hypothesis.finding"),
                           actor=manager, now=now)
    # the structure type is the technical committee's choice in the diagnose stage (issue 14)
    from setupflow.demo_work import held_meeting, walk

    walk(session, site, "diagnose", manager, now, {})
    diag.choose_structure(session, site, "EA", text("structure.rationale"), actor=manager, now=now,
                          meeting=held_meeting(session, site, "technical", manager, now))


def call_work(session, site, manager, now, data_dir):
    call = calls.create_call(session, site, None, actor=manager, now=now, title=text("call.title"))
    calls.edit_call(session, site, call, actor=manager, now=now, capacity=12, body=markdown("call.body"),
                    needs=text("call.needs"), workshop_zone=text("call.workshop_zone"),
                    surveillance_constraints=text("call.surveillance_constraints"))
    calls.set_distribution(session, site, call, [text("call.distribution")], actor=manager, now=now)
    calls.publish_call(session, site, call, published_on="2027-01-04", closes_on="2027-03-20", actor=manager, now=now)
    calls.add_slot(session, site, call, kind="visit", starts_dt=now + timedelta(days=14), place=text("slot.place"),
                   organisation=text("slot.organisation"), actor=manager, now=now)
    application = applications.add_application(session, site, call, organisation=text("application.organisation"),
                                               legal_status=text("application.legal_status"),
                                               activity=text("application.activity"), actor=manager, now=now)
    # a score sheet is by a member of the committee that selects: one with a hostile name
    cress = team.organisation_for(session, site, "cress", manager, now)
    scorer = team.add_person(session, site, name=text("score.member"), email="jury@example.org", organisation=cress,
                             actor=manager, now=now, committees=("technical",), start_on=site.start_on)
    applications.score(session, site, call, application, member=scorer, actor=manager, now=now,
                       scores={c["id"]: 3 for c in call.criteria})
    upload = files.attach_file(session, site, application, data_dir=data_dir, actor=manager, now=now,
                               original_name="\"><svg onload=alert('upload.name')>.pdf",
                               data=b"%PDF-1.4 fictive\n%%EOF\n")
    return call, application, upload


def applicant_work(session, site, call, application, manager, now, data_dir):
    """A candidate's draft to the call (answers and a file name holding payloads) and a
    committee member's conflict of interest on the application; returns the draft's id."""
    from setupflow.applicants import operations as applicants
    from setupflow.reviews import conflicts

    user, _ = applicants.applicant_account(session, email="candidate@example.org", name="Candidate", language="fr",
                                           now=now)
    candidacy = applicants.start_site_candidacy(session, user, call, now)
    applicants.save_draft(session, candidacy, {"organisation": "Candidate", "activity": text("candidacy.answers")},
                          now)
    applicants.add_file(session, candidacy, data_dir=data_dir, original_name="\"><svg onload=alert('draft.name')>.pdf",
                        data=b"%PDF-1.4 fictive\n%%EOF\n", now=now)
    conflicts.declare(session, text("conflict.member"), application=application, now=now,
                      actor_name=text("conflict.declared_by"), reason=text("conflict.reason"))
    return candidacy.id


def support_work(session, site, manager, now):
    spec = support.spec_of(site)
    stream = spec.workstreams[0]
    support.set_item(session, site, stream.id, stream.checklist[0].id, True, actor=manager, now=now,
                     note=text("support.note"))
    support.set_immersion(session, site, starts_on="2027-02-01", ends_on="2027-02-12", actor=manager, now=now,
                          note=text("immersion.note"))
    support.sign_dui(session, site, spec.dui.signatories[0].id, signed_on="2027-01-04", actor=manager, now=now,
                     signed_by=text("dui.signed_by"))


def _refused(write) -> None:
    """A value no form may store (a javascript: link, a line break in an address) is refused."""
    try:
        write()
    except InputError:
        return
    raise AssertionError("a javascript: or malformed value was stored")


def programme_work(session, manager, now, data_dir=None):
    """An Act'ice promotion whose every free text holds a payload: the call's answers, the
    committee's decision, the laureates, a report's comment and the review's texts."""
    from tests.conftest import WORKFLOWS
    from setupflow.definitions.programmes import load_programmes
    from setupflow.programmes import operations as programme_ops

    actice = load_programmes([WORKFLOWS]).get("actice")
    start = now - timedelta(days=120)
    edition = programme_ops.open_edition(session, actice, label=text("edition.label"),
                                         starts_on=start.date().isoformat(), actor=manager, now=start)
    programme_ops.publish_call(session, actice, edition, published_on=start.date(), actor=manager, now=start)
    application = programme_ops.add_application(session, actice, edition, actor=manager, now=start, answers={
        "project": text("app.project"), "organisation": text("application.organisation"),
        "department": "69", "purpose": text("application.purpose")})
    programme_ops.request_full_file(session, actice, edition, application, actor=manager, now=start)
    programme_ops.submit_full_file(session, actice, edition, application, actor=manager,
                                   now=start + timedelta(days=40), answers={
                                       "justice_link": text("application.justice_link"),
                                       "economic_model": text("application.economic_model"),
                                       "team": text("application.team")})
    after = start + timedelta(days=70)
    programme_ops.score(session, actice, edition, application, member=text("score.member"),
                        scores={"justice_link": 4}, actor=manager, now=after)
    meeting = programme_ops.schedule_meeting(session, actice, edition, kind="selection", starts_dt=after, now=after,
                                             place=text("programme.meeting.place"))
    programme_ops.mark_held(session, actice, meeting, present=[s.id for s in actice.committee.seats], now=after)
    from setupflow.programmes import meetings as programme_meetings

    programme_meetings.set_agenda(session, meeting, [text("programme.agenda")], after)
    programme_meetings.save_minutes(session, meeting, markdown("programme.minutes"), 0, manager, after)
    programme_ops.select_laureates(session, actice, edition, meeting, [application.id], actor=manager, now=after,
                                   text=text("selection.text"))
    laureate = programme_ops.add_laureate(session, actice, edition, project=text("lau.project"),
                                          organisations=[text("laureate.organisation")], department="69",
                                          city='<script>alert("lau.city")</script>', purpose=text("laureate.purpose"),
                                          path=text("laureate.path"), parrains=[text("laureate.parrain")], now=after)
    programme_ops.report(session, actice, edition, laureate, period=f"{after.year}-Q{(after.month - 1) // 3 + 1}",
                         values={"people_accompanied": 3, "volunteers": 7}, comment=text("report.comment"),
                         actor=manager, now=after)
    programme_ops.set_review_text(session, actice, edition, "difficulties", text("review.difficulties"),
                                  actor=manager, now=after)
    if data_dir is not None:  # a file of the application, named and uploaded with payloads
        from setupflow.applicants.operations import attach_programme_file
        from setupflow.sites.operations import Actor

        attach_programme_file(session, actice, application, field="budget", data_dir=data_dir,
                              original_name="\"><svg onload=alert('programme.file')>.pdf",
                              data=b"%PDF-1.4 fictive\n%%EOF\n", now=after,
                              actor=Actor(name=text("programme.file_by"), is_manager=True))
    session.flush()
    return {"programme_id": "actice", "edition_id": edition.id, "laureate_id": laureate.id,
            "programme_meeting_id": meeting.id}


