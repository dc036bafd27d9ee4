"""The lifecycles of meetings, action items, reminders, calls and the DUI circuit, declared
once in setupflow/lifecycles.yaml: every transition the file allows is walked, and every one
it does not allow is tried and refused, on records stored in the database. The cases are
generated from the file, so a transition added there is tested here without a new test. Engine
mechanics, on tests/definitions/work.yaml (its board, its call and its signature circuit)."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from setupflow.definitions.loader import DefinitionError
from setupflow.lifecycles import (
    ACTION_ITEMS,
    CALLS,
    DUI,
    LIFECYCLES,
    MEETINGS,
    REMINDERS,
    load,
)
from setupflow.refusals import Term
from setupflow.sites.models import HistoryEntry
from tests.refused import refused

#: a guard that holds in the records each case builds
REASON = "Aucune candidature ne répond aux critères (fictif)"


def pairs(lifecycle):
    """(state, trigger, transitions of the file from that state), for every state and trigger."""
    for state in lifecycle.states:
        for trigger in lifecycle.triggers:
            yield state, trigger, [t for t in lifecycle.spec.transitions if t.trigger == trigger and state in t.source]


def refusal_of(lifecycle, trigger) -> str:
    """The code the file says a trigger is refused with where the state does not allow it."""
    return next((t.refusal for t in lifecycle.spec.transitions if t.trigger == trigger and t.refusal),
                lifecycle.spec.refusal)


def history_count(session, site, action) -> int:
    return session.scalar(select(func.count()).select_from(HistoryEntry)
                          .where(HistoryEntry.site_id == site.id, HistoryEntry.action == action))


def walk_all(session, site, lifecycle, make, fire_kwargs):
    """Fire every trigger from every state on a fresh stored record: allowed ones move it to a
    state the file names (re-read from the database) with their history; the others are
    refused with the current state and the action as params, and change nothing."""
    column = lifecycle.spec.column
    walked = tried = 0
    for state, trigger, transitions in pairs(lifecycle):
        record = make(state)
        session.flush()
        if transitions:
            histories = {t.history for t in transitions if t.history}
            before = {action: history_count(session, site, action) for action in histories}
            moved = lifecycle.fire(record, trigger, **fire_kwargs(record, trigger))
            assert moved in {t.dest or state for t in transitions}, (state, trigger, moved)
            session.flush()
            session.expire(record)
            if any(t.dest for t in transitions):
                assert getattr(record, column) == moved, (state, trigger)
            for action in histories:
                assert history_count(session, site, action) == before[action] + 1, (state, trigger, action)
            walked += 1
        else:
            with refused(refusal_of(lifecycle, trigger), state=Term(f"{lifecycle.spec.terms}.status.{state}"),
                         action=Term(f"{lifecycle.spec.terms}.action.{trigger}")):
                lifecycle.fire(record, trigger, **fire_kwargs(record, trigger))
            session.flush()
            session.expire(record)
            assert lifecycle.state_of(record, **fire_kwargs(record, trigger)) == state
            tried += 1
    assert walked and tried
    return walked, tried


@pytest.fixture
def site(make_site):
    return make_site(workflow="work")


def test_every_meeting_transition_is_walked_and_every_other_refused(session, site, manager, now):
    from setupflow.committees import operations  # noqa: F401  (binds the meeting lifecycle)
    from setupflow.committees.models import MinutesRevision
    from setupflow.committees.proposals import new_meeting

    def make(state):
        meeting = new_meeting(session, site, "board", now - timedelta(days=1), state, now, None)
        session.flush()
        session.add(MinutesRevision(meeting_id=meeting.id, version=1, body_md="Compte rendu (fictif)",
                                    saved_by=manager.name, saved_dt=now))
        return meeting

    walk_all(session, site, MEETINGS, make,
             lambda m, t: {"session": session, "actor": manager, "now": now, "reason": REASON})


def test_a_meeting_is_not_held_before_it_starts(session, site, manager, now):
    from setupflow.committees import operations  # noqa: F401
    from setupflow.committees.proposals import new_meeting

    meeting = new_meeting(session, site, "board", now + timedelta(days=1), "scheduled", now, None)
    session.flush()
    with refused("meeting.not_started", field="meeting", meeting=meeting.id):
        MEETINGS.fire(meeting, "hold", session=session, actor=manager, now=now)
    assert meeting.status == "scheduled"


def test_every_action_item_transition_is_walked_and_every_other_refused(session, site, manager, now, make_team):
    from setupflow.committees import actions  # noqa: F401  (binds the action item lifecycle)
    from setupflow.committees.models import ActionItem

    owner = make_team(site, {"ep": ("board",)})["ep"]

    def make(state):
        item = ActionItem(site_id=site.id, text="Envoyer le plan (fictif)", owner_id=owner.id, status=state,
                          created_dt=now)
        session.add(item)
        return item

    walk_all(session, site, ACTION_ITEMS, make, lambda item, t: {"session": session, "actor": manager, "now": now})


def _reminder(session, site, now, state, attempts=0):
    from setupflow.reminders.models import Reminder

    row = Reminder(rule="meeting_agenda", subject=f"test:{state}:{session.scalar(select(func.count()).select_from(Reminder))}",
                   due_dt=now, recipient="personne@example.org", recipient_name="Personne fictive", site_id=site.id,
                   template="meeting_agenda", context={}, state=state, send_after_dt=now, attempts=attempts,
                   created_dt=now, updated_dt=now)
    session.add(row)
    return row


def test_every_reminder_transition_is_walked_and_every_other_refused(session, site, manager, now):
    from setupflow.reminders import holds  # noqa: F401  (binds the reminders' history)

    walk_all(session, site, REMINDERS, lambda state: _reminder(session, site, now, state),
             lambda row, t: {"session": session, "site": site, "actor": manager, "now": now, "max_attempts": 5})


def test_a_reminder_that_fails_its_last_attempt_is_given_up_and_one_with_attempts_left_is_retried(session, site, now):
    given_up = _reminder(session, site, now, "sending", attempts=5)
    retried = _reminder(session, site, now, "sending", attempts=2)
    assert REMINDERS.fire(given_up, "fail", max_attempts=5) == "dead"
    assert REMINDERS.fire(retried, "fail", max_attempts=5) == "failed"


def _call(session, site, now, state):
    from setupflow.calls import operations  # noqa: F401  (binds the call lifecycle)
    from setupflow.calls.models import Call

    published = {"draft": None, "published": now.date() - timedelta(days=10)}.get(state, now.date() - timedelta(days=90))
    closes = None if published is None else now.date() + timedelta(days=60) if state == "published" \
        else now.date() - timedelta(days=1)
    call = Call(site_id=site.id, call_key="appeal", title="Appel (fictif)", body="Texte", needs="Besoins",
                criteria=[{"id": "fit", "label": "Adéquation", "weight": 3}], distribution=["Réseau de test"],
                status="published" if state == "closed" else state, published_on=published, closes_on=closes,
                created_dt=now, changed_dt=now, changed_by="test")
    session.add(call)
    session.flush()
    assert CALLS.state_of(call, now=now) == state
    return call


def test_every_call_transition_is_walked_and_every_other_refused(session, site, manager, now):
    walk_all(session, site, CALLS, lambda state: _call(session, site, now, state),
             lambda call, t: {"session": session, "actor": manager, "now": now, "reason": REASON})


def test_a_published_call_is_closed_from_its_closing_day_without_anyone_acting(session, site, now):
    call = _call(session, site, now, "published")
    assert CALLS.state_of(call, now=now) == "published"
    assert CALLS.state_of(call, now=now + timedelta(days=60)) == "closed"
    assert call.status == "published"  # nothing stored moves: the calendar does


def test_a_call_is_neither_published_before_it_is_written_nor_closed_unsuccessful_without_a_reason(
        session, site, manager, now):
    draft = _call(session, site, now, "draft")
    draft.body = ""
    with refused("call.not_ready", field="call", call=draft.id):
        CALLS.fire(draft, "publish", session=session, actor=manager, now=now)
    closed = _call(session, site, now, "closed")
    with refused("required", field="reason"):
        CALLS.fire(closed, "close_unsuccessful", session=session, actor=manager, now=now, reason="  ")
    assert (draft.status, closed.status) == ("draft", "published")


@pytest.fixture
def support_site(make_site, walk):
    return walk(make_site(workflow="work", start="2026-01-05", opening="2027-03-01"), "prepare",
                {"form": "small", "partner": "Partenaire fictif"})


def test_the_dui_circuit_is_signed_by_its_last_signature_and_refuses_one_more(session, support_site, manager, now):
    """unsigned -> signing -> signed from the signatures the definition lists; once every
    signatory has signed, the circuit refuses another signature."""
    from setupflow.support import operations as support

    site = support_site
    signatories = [s.id for s in support.spec_of(site).dui.signatories]
    seen = []
    for i, signatory in enumerate(signatories):
        seen.append(support.circuit_state(session, site))
        assert DUI.allowed(seen[-1]) == ("sign",)
        support.sign_dui(session, site, signatory, signed_on=f"2026-12-0{i + 1}", signed_by="Direction (fictive)",
                         actor=manager, now=now)
    seen.append(support.circuit_state(session, site))
    assert seen == ["unsigned"] + ["signing"] * (len(signatories) - 1) + ["signed"]
    assert set(seen) == set(DUI.states)
    assert history_count(session, site, "dui_signature") == len(signatories)
    for state, trigger, transitions in pairs(DUI):
        if not transitions:
            assert state == support.circuit_state(session, site)
            with refused("dui.wrong_state", field="signatory", state=Term("dui.status.signed")):
                support.sign_dui(session, site, signatories[0], signed_on="2026-12-20", signed_by="X", actor=manager,
                                 now=now)


def test_every_state_and_action_has_its_words_in_the_catalogue_and_every_state_is_reachable_or_a_start():
    for name, lifecycle in LIFECYCLES.items():
        reached = {t.dest for t in lifecycle.spec.transitions if t.dest}
        # a record starts in the first state (or is written in another one when created: a
        # meeting scheduled by hand); the dates make a call closed
        starts = {lifecycle.states[0], "scheduled", "closed"}
        assert set(lifecycle.states) <= reached | starts, name
    assert REMINDERS.sources("claim") == ("pending", "sending", "failed")


def test_a_lifecycle_file_with_an_unknown_state_says_where(tmp_path):
    bad = tmp_path / "lifecycles.yaml"
    bad.write_text("door:\n  terms: meeting\n  states: [proposed]\n  refusal: meeting.wrong_status\n"
                   "  transitions:\n    - {trigger: confirm, source: proposed, dest: ajar}\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as exc:
        load(bad)
    assert "lifecycles.yaml:" in str(exc.value) and "'ajar' is not one of the states" in str(exc.value)


def test_an_unknown_action_is_a_programming_error_not_a_refusal(session, site, now):
    call = _call(session, site, now, "draft")
    with pytest.raises(ValueError):
        CALLS.fire(call, "reopen_forever")
