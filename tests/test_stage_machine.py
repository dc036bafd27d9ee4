"""The stage machine and the persisted advance, on SQLite and PostgreSQL.

The machine's guards are the gate's conditions, declared from the definition; the
machine raises its refusals itself (nothing comes back as a silent None). A persisted
advance reads the site, its gate inputs and its evidence in one SELECT, then writes the
site (versioned) and its history: three statements before the commit on SQLite, two on
PostgreSQL (the UPDATE and the INSERT are one data-modifying CTE there: one round trip).

Engine mechanics only, on tests/definitions/tiny.yaml and committees.yaml."""
import pytest
from sqlalchemy import event, func, select

from setupflow.engine import ADVANCE, GateInputs, Requirement
from setupflow.errors import GateNotMet, NotFound
from setupflow.sites import operations as ops
from setupflow.sites.models import HistoryEntry
from setupflow.sites.runtime import machine_of
from tests.refused import refused


def test_the_advance_out_of_a_stage_is_guarded_by_the_conditions_of_its_gate(make_site):
    machine = machine_of(make_site(workflow="tiny"))
    [transition] = machine.machine.events[ADVANCE].transitions["second"]
    guards = [c.func for c in transition.conditions]
    assert all(isinstance(g, Requirement) for g in guards)
    assert [(g.kind, g.key) for g in guards] == [("task", "studied"), ("decision", "flavour")]
    assert machine.advance("second", GateInputs(frozenset({"studied"}), {"flavour": "plain"})) == "third"


def test_the_machine_refuses_an_advance_with_every_unmet_condition_of_the_gate(make_site):
    machine = machine_of(make_site(workflow="tiny"))
    with pytest.raises(GateNotMet) as exc:
        machine.advance("second", GateInputs(frozenset(), {}))
    assert [(c.kind, c.key) for c in exc.value.conditions] == [("task", "studied"), ("decision", "flavour")]
    # a decision whose value is not valid for its kind does not meet the gate either
    with pytest.raises(GateNotMet) as exc:
        machine.advance("second", GateInputs(frozenset({"studied"}), {"flavour": "spicy"}))
    assert [c.key for c in exc.value.conditions] == ["flavour"]


def test_the_machine_raises_its_refusals_instead_of_answering_nothing(make_site):
    machine = machine_of(make_site(workflow="tiny"))
    with refused("site.final", field="stage"):
        machine.advance("done", GateInputs(frozenset(), {}))
    with refused("site.reopen_not_before", field="stage", stage="third", current="second"):
        machine.reopen("second", "third")
    with refused("choice.invalid", field="stage", value="done"):
        machine.reopen("third", "done")
    assert machine.reopen("done", "first") == "first"
    with pytest.raises(ValueError):  # a state the definition does not have is an error, not a refusal
        machine.advance("nowhere", GateInputs(frozenset(), {}))


@pytest.fixture
def statements(db):
    """The SQL statements run on the test database inside the block."""
    from contextlib import contextmanager

    @contextmanager
    def seen():
        found = []

        def listener(_conn, _cursor, statement, *_args):
            words = statement.split()
            found.append("WITH UPDATE INSERT" if words[0].upper() == "WITH" and "UPDATE sites" in statement and
                         "INSERT INTO site_history" in statement else words[0].upper())

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            yield found
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)

    return seen


def writes(db) -> list[str]:
    """A recorded change's writes: the versioned UPDATE and the history INSERT, one statement on
    PostgreSQL (where each statement is a round trip), two on SQLite (no data-modifying CTE)."""
    return ["WITH UPDATE INSERT"] if db.backend == "postgres" else ["UPDATE", "INSERT"]


def test_a_persisted_advance_is_one_select_an_update_and_an_insert(db, session, make_site, meet, held,                                                                   manager, now, statements):
    """The first gate of tests/definitions/committees.yaml has a ticked task, tasks met by
    evidence (a held meeting with minutes, the team file, the project note) and a decision
    taken in a held meeting: all read with the site in one SELECT."""
    site = make_site(workflow="committees")
    # its page was read once (a definition this process has never read costs one more read)
    assert not ops.gate_of(session, site).met
    meet(site, "kickoff", "board_running", "team_ready", "note_written")
    ops.record_decision(session, site, key="flavour", value="plain", text="Chosen by the board.", actor=manager,
                        now=now, meeting=held(site, "board"))
    session.commit()
    with db.factory() as fresh:
        with statements() as seen:
            assert ops.advance(fresh, site.id, manager, now) == "build"
        fresh.commit()
    assert seen == ["SELECT", *writes(db)]
    entry = session.scalars(select(HistoryEntry).where(HistoryEntry.site_id == site.id)
                            .order_by(HistoryEntry.id.desc())).first()
    assert (entry.action, entry.stage, entry.detail["source"], entry.detail["target"]) == \
        ("advanced", "build", "gather", "build")


def test_an_advance_of_a_site_held_by_the_session_costs_the_same_three_statements(db, session, make_site, meet,
                                                                                  manager, now, statements):
    site = make_site(workflow="tiny")
    meet(site, "agreed")
    session.commit()
    with db.factory() as fresh:
        held_site = ops.get_site(fresh, site.id)
        with statements() as seen:
            assert ops.advance(fresh, held_site, manager, now) == "second"
        assert held_site.stage == "second" and held_site.version_id == site.version_id + 1
        fresh.commit()
    assert seen == ["SELECT", *writes(db)]


def test_the_write_of_an_advance_from_a_stale_version_is_refused_and_writes_no_history(db, session, make_site, meet,
                                                                                      manager, now, statements):
    """The site moved on between the read and the write: the versioned write (one statement on
    PostgreSQL) matches no site, so no history row is appended either, and the refusal is the
    structured stale edit."""
    from setupflow.db import StaleRow, transaction
    from setupflow.errors import StaleEdit
    from setupflow.sites.records import write_change

    site = make_site(workflow="tiny")
    meet(site, "agreed")
    session.commit()
    with db.factory() as fresh:
        read = ops.read_gate(fresh, site.id)
    with db.factory() as other:  # someone else's change, committed after that read
        ops.advance(other, site.id, manager, now)
        other.commit()
    history = session.scalar(select(func.count()).select_from(HistoryEntry).where(HistoryEntry.site_id == site.id))
    with db.factory() as late:
        with statements() as seen:
            with pytest.raises(StaleRow):
                write_change(late, read.site_id, read.version, read.stage, manager, now, "advanced", None,
                             changes={"stage": "second"}, source=read.stage, target="second")
        assert seen == writes(db)[:1]  # nothing after the write that matched no site
        with pytest.raises(StaleEdit) as stale:
            with transaction(lambda: late):
                write_change(late, read.site_id, read.version, read.stage, manager, now, "advanced", None,
                             changes={"stage": "second"}, source=read.stage, target="second")
        assert (stale.value.code, stale.value.params["table"]) == ("record.stale", "sites")
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(HistoryEntry)
                          .where(HistoryEntry.site_id == site.id)) == history
    assert (session.get(type(site), site.id).stage, session.get(type(site), site.id).version_id) == \
        ("second", read.version + 1)


def test_an_advance_by_id_keeps_every_rule(db, session, make_site, manager, now):
    site = make_site(workflow="tiny")
    with pytest.raises(GateNotMet) as exc:
        ops.advance(session, site.id, manager, now)
    assert [c.key for c in exc.value.conditions] == ["agreed"]
    assert session.scalar(select(func.count()).select_from(HistoryEntry)
                          .where(HistoryEntry.site_id == site.id, HistoryEntry.action == "advanced")) == 0
    with pytest.raises(NotFound):
        ops.advance(session, site.id + 1000, manager, now)
    with refused("stage.confirm_early", field="confirm"):
        ops.set_task(session, site, "agreed", True, manager, now)
        ops.advance(session, site.id, manager, now, confirmed=False)


def _when_the_write_comes(db, then):
    """Run ``then(connection)`` just before a step's write is sent on ``connection``."""
    def listener(connection, _cursor, statement, *_args):
        if statement.startswith(("WITH moved", "UPDATE sites")):
            then(connection)

    event.listen(db.engine, "before_cursor_execute", listener)
    return lambda: event.remove(db.engine, "before_cursor_execute", listener)


def test_a_step_on_its_own_is_committed_when_it_returns_with_its_history(db, session, make_site, meet, manager, now,
                                                                        statements):
    site = make_site(workflow="tiny")
    meet(site, "agreed")
    session.commit()
    with statements() as seen:
        assert ops.advance_alone(db.factory, site.id, manager, now) == "second"
    assert seen == ["SELECT", *writes(db)]
    with db.factory() as fresh:  # another connection sees the step and its entry
        assert fresh.get(type(site), site.id).stage == "second"
        entry = fresh.scalars(select(HistoryEntry).where(HistoryEntry.site_id == site.id)
                              .order_by(HistoryEntry.id.desc())).first()
        assert (entry.action, entry.detail["source"], entry.detail["target"]) == ("advanced", "first", "second")
    with pytest.raises(GateNotMet):  # and every rule of ``advance`` holds: the next gate is not met
        ops.advance_alone(db.factory, site.id, manager, now)


def test_a_step_on_its_own_holds_no_transaction_on_postgresql_while_judged_and_one_on_sqlite_for_its_writes(
        db, make_site, meet, session, manager, now):
    """On PostgreSQL its write is one statement, atomic by itself: the read is not kept in a
    transaction (the server is spared a BEGIN and a COMMIT, one round trip each). SQLite's
    step is two writes, the UPDATE and the INSERT, made in one transaction."""
    site = make_site(workflow="tiny")
    meet(site, "agreed")
    session.commit()
    seen = []

    def look(connection, _cursor, statement, *_args):
        dbapi = connection.connection.dbapi_connection
        if db.backend == "postgres" and statement.startswith("WITH moved"):
            with db.engine.connect() as other:
                seen.append(other.exec_driver_sql(
                    f"SELECT state FROM pg_stat_activity WHERE pid = {dbapi.info.backend_pid}").scalar())
        elif db.backend == "sqlite" and statement.startswith("INSERT INTO site_history"):
            seen.append("in transaction" if dbapi.in_transaction else "alone")

    event.listen(db.engine, "before_cursor_execute", look)
    try:
        ops.advance_alone(db.factory, site.id, manager, now)
    finally:
        event.remove(db.engine, "before_cursor_execute", look)
    assert seen == (["idle"] if db.backend == "postgres" else ["in transaction"])  # not "idle in transaction"


def test_a_step_on_its_own_whose_site_changed_after_its_read_is_refused_and_writes_nothing(db, session, make_site,
                                                                                         meet, manager, now):
    """Someone's change lands between the step's read and its write: the version check
    refuses the write, so the site moves once and has one entry for it, not two."""
    from setupflow.errors import StaleEdit

    site = make_site(workflow="tiny")
    meet(site, "agreed")
    session.commit()
    landed = []

    def someone_else(_connection):
        if not landed:
            landed.append(True)
            with db.factory() as other:
                ops.record(other, ops.get_site(other, site.id), manager, now, "note")
                other.commit()

    stop = _when_the_write_comes(db, someone_else)
    try:
        with pytest.raises(StaleEdit) as stale:
            ops.advance_alone(db.factory, site.id, manager, now)
    finally:
        stop()
    assert (stale.value.code, stale.value.params["table"]) == ("record.stale", "sites")
    session.expire_all()
    assert session.get(type(site), site.id).stage == "first"
    assert session.scalar(select(func.count()).select_from(HistoryEntry).where(
        HistoryEntry.site_id == site.id, HistoryEntry.action == "advanced")) == 0


def test_every_transition_of_the_stage_machine_is_allowed_or_refused_as_the_method_says(make_site):
    """Each state, each trigger: advancing moves to the next state when the gate is met;
    reopening a stage is allowed from every later state only."""
    machine = machine_of(make_site(workflow="tiny"))
    states, stages = ["first", "second", "third", "done"], ["first", "second", "third"]
    met = GateInputs(frozenset({"agreed", "studied", "finished"}), {"flavour": "plain", "go_date": "2028-11-15"})
    for i, state in enumerate(states):
        if state == "done":
            with refused("site.final", field="stage"):
                machine.advance(state, met)
        else:
            assert machine.advance(state, met) == states[i + 1]
        for j, target in enumerate(stages):
            if j < i:
                assert machine.reopen(state, target) == target
            else:
                with refused("site.reopen_not_before", field="stage", stage=target, current=state):
                    machine.reopen(state, target)
