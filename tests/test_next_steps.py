"""Next steps: what a site's lead must know this week, computed once by the engine for the
site page, `setupflow site show` and the weekly digest. Each test builds a site in one
situation and checks that the steps name exactly what its data says. Engine mechanics, on
tests/definitions/committees.yaml; what the support and the diagnostic pages of the shipped
method add is in tests/test_support.py and tests/test_diagnostic_evidence.py."""
from datetime import date, datetime, timedelta, timezone

from setupflow.committees import actions, attendance, minutes, operations as meetings
from setupflow.next_steps import next_steps, role_label
from setupflow.sites import operations as ops


SEATS = {"ep": ("board", "council"), "spip": ("board",), "cress": ("board", "council")}


def kinds(steps):
    return [s.kind for s in steps.steps]


def test_a_new_site_lists_the_tasks_of_its_first_stage_with_who_carries_them_and_its_planning(
        session, make_site, now):
    site = make_site(workflow="committees")
    workflow = ops.workflow_of(site)
    stage = workflow.stage("gather")
    steps = next_steps(session, site, now)
    assert kinds(steps)[:2] == ["deadline", "stage_max"]
    tasks = steps.of("task")
    gate = set(stage.gate.tasks)
    # the gate's tasks first, then the others, each with the organisation of its role in words
    assert [t.label for t in tasks] == [t.label.fr for t in stage.tasks if t.id in gate] + \
        [t.label.fr for t in stage.tasks if t.id not in gate]
    for step in tasks:
        task = next(t for t in stage.tasks if t.label.fr == step.label)
        assert step.who == role_label(workflow, task.role, "fr") != task.role
        assert ("required" in step.flags) == (task.id in gate)
        assert step.path == f"/sites/{site.id}#tasks"
    stage_max = steps.of("stage_max")[0]
    assert stage_max.on == date(2027, 5, 4) and stage_max.days_left == (date(2027, 5, 4) - date(2027, 1, 4)).days
    assert [s.label for s in steps.of("decision")] == ["Variante"]  # the gate's one decision
    assert not steps.of("meeting", "action_overdue", "action_due")


def test_ticking_a_task_takes_it_out_of_the_steps(session, make_site, manager, now):
    site = make_site(workflow="committees")
    first = ops.workflow_of(site).stage("gather").gate.tasks[0]
    label = ops.workflow_of(site).task(first)[1].label.fr
    assert label in [s.label for s in next_steps(session, site, now).of("task")]
    ops.set_task(session, site, first, True, manager, now)
    assert label not in [s.label for s in next_steps(session, site, now).of("task")]


def test_the_next_meeting_says_what_is_expected_before_it(session, make_site, make_team, manager, now):
    site = make_site(workflow="committees")
    people = make_team(site, SEATS)
    m = meetings.schedule(session, site, "board", "2027-01-19T14:00", manager, now)
    attendance.assign_role(session, m, "agenda", people["spip"], manager, now)
    session.commit()
    steps = next_steps(session, site, now)
    meeting, agenda = steps.of("meeting", "agenda_missing")
    assert meeting.label == "Comité de test" and meeting.on == date(2027, 1, 19) and meeting.days_left == 15
    assert meeting.at.hour == 14 and meeting.path == f"/sites/{site.id}/meetings/{m.id}" and not meeting.flags
    assert agenda.who == people["spip"].name and agenda.path == f"/sites/{site.id}/meetings/{m.id}#agenda"

    meetings.set_agenda(session, m, ["Avancement"], manager, now)
    session.commit()
    assert kinds(next_steps(session, site, now))[0] == "meeting"
    assert not next_steps(session, site, now).of("agenda_missing")
    # a later meeting is not the next one
    meetings.schedule(session, site, "board", "2027-03-02T14:00", manager, now)
    assert [s.path for s in next_steps(session, site, now).of("meeting")] == [meeting.path]


def test_a_proposed_meeting_is_next_and_to_confirm(session, make_site, make_team, manager, now):
    from setupflow.committees.proposals import propose

    site = make_site(workflow="committees")
    make_team(site, SEATS)
    proposed = propose(session, site, now, manager)
    session.commit()
    first = min(proposed, key=lambda m: m.starts_dt)
    (step,) = next_steps(session, site, now).of("meeting")
    assert step.flags == ("to_confirm",) and step.path.endswith(f"/meetings/{first.id}")
    assert not next_steps(session, site, now).of("agenda_missing")  # confirm it first


def test_the_last_held_meeting_without_minutes_asks_for_them_until_they_are_written(
        session, make_site, make_team, manager, now):
    site = make_site(workflow="committees")
    people = make_team(site, SEATS)
    before = now - timedelta(days=40)
    m = meetings.schedule(session, site, "board", "2027-01-04T08:00", manager, before)
    attendance.assign_role(session, m, "agenda", people["ep"], manager, before)
    later = now + timedelta(days=1)
    attendance.mark_held(session, m, {}, manager, later)
    session.commit()
    (step,) = next_steps(session, site, later).of("minutes_missing")
    assert step.who == people["ep"].name and step.on == date(2027, 1, 4)
    assert step.path == f"/sites/{site.id}/meetings/{m.id}#minutes"
    minutes.save_minutes(session, m, "## Points abordés\n\n- Tour de table", 0, manager, later)
    session.commit()
    assert not next_steps(session, site, later).of("minutes_missing")


def test_action_items_overdue_and_coming_with_their_owner_and_none_other(session, make_site, make_team,
                                                                          manager, now):
    site = make_site(workflow="committees")
    people = make_team(site, SEATS)
    m = meetings.schedule(session, site, "board", "2027-01-04T08:00", manager, now - timedelta(days=30))
    today = date(2027, 1, 4)
    late = actions.add_action(session, m, "Transmettre les données du greffe", people["spip"], manager, now,
                              due_on=today - timedelta(days=3))
    soon = actions.add_action(session, m, "Réserver la salle", people["ep"], manager, now,
                              due_on=today + timedelta(days=10))
    actions.add_action(session, m, "Plus tard", people["ep"], manager, now, due_on=today + timedelta(days=40))
    actions.add_action(session, m, "Sans date", people["ep"], manager, now)
    done = actions.add_action(session, m, "Déjà fait", people["ep"], manager, now, due_on=today - timedelta(days=5))
    actions.set_action_status(session, done, "done", manager, now)
    session.commit()
    steps = next_steps(session, site, now)
    overdue, = steps.of("action_overdue")
    coming, = steps.of("action_due")
    assert (overdue.label, overdue.who, overdue.days_left, overdue.is_late) == (late.text, people["spip"].name, -3, True)
    assert (coming.label, coming.who, coming.days_left, coming.is_late) == (soon.text, people["ep"].name, 10, False)
    assert overdue.path == coming.path == f"/sites/{site.id}/actions"


def test_a_site_in_its_last_stage_shows_its_deadline_window_and_the_decisions_its_gate_needs(
        session, make_site, walk, now):
    site = walk(make_site(workflow="committees", opening="2027-09-01"), "build")
    steps = next_steps(session, site, now)
    (deadline,) = steps.of("deadline")
    assert deadline.label == "Signature"
    assert (deadline.starts_on, deadline.on) == (date(2027, 7, 1), date(2027, 8, 1))
    assert deadline.days_left == (date(2027, 8, 1) - date(2027, 1, 4)).days
    workflow = ops.workflow_of(site)
    assert [s.label for s in steps.of("decision")] == [workflow.decision(k).label.fr
                                                       for k in workflow.stage("build").gate.decisions] == \
        ["Date de lancement"]


def test_a_site_is_told_that_a_committee_takes_a_decision_its_gate_needs(session, make_site, now):
    site = make_site(workflow="committees")
    (decision,) = next_steps(session, site, now, "en").of("decision")
    assert decision.label == "Flavour" and decision.who == "Test board"
    assert decision.path == f"/sites/{site.id}/meetings"


def test_an_opened_site_has_no_stage_step_left(session, make_site, walk, now):
    site = walk(make_site(workflow="committees", opening="2027-09-01"), "done")
    steps = next_steps(session, site, now)
    assert not steps.of("task", "decision", "deadline", "stage_max")


def test_the_steps_read_as_json(session, make_site, now):
    steps = next_steps(session, make_site(workflow="committees"), datetime(2027, 1, 4, 9, tzinfo=timezone.utc)).as_dict()
    assert steps["today"] == "2027-01-04"
    assert {"kind", "label", "path", "on", "days_left", "who", "flags", "is_late"} <= set(steps["steps"][0])
