"""Persisted advance: setupflow against SpiffWorkflow on the same five-stage process.

setupflow: one transaction per step, as ``setupflow site advance`` does: read the site with
its gate inputs and evidence (one SELECT), check the gate through the stage machine, UPDATE
the site (versioned) and INSERT its history (on PostgreSQL both in one statement, a
data-modifying CTE: ``statements_per_step``), commit. SpiffWorkflow, the way its applications
persist an instance (shared/peer/README.md): load the JSON, deserialize, complete the
ready user task, run the engine steps, serialize, store the JSON, commit.
"""
from __future__ import annotations

import time
from functools import partial
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, Text, insert, select, update

import setupflow.all_models  # noqa: F401  (every mapper, for the flush)
from setupflow.demo_work import produce
from setupflow.sites import operations as ops

PEER_BPMN = Path(__file__).resolve().parent / "peer" / "site_process.bpmn"
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=timezone.utc)
ACTOR = ops.Actor("bench", is_manager=True)

peer_metadata = MetaData()
peer_instances = Table("bench_peer_instances", peer_metadata,
                       Column("id", Integer, primary_key=True), Column("data", Text, nullable=False))


BENCH_WORKFLOW = "cress-disp-bench"


def without_decision_rules(catalog):
    """The catalog plus the method without its decision rules (who records a decision, in which
    stage and meeting; the final state's date), as ``cress-disp-bench``: this benchmark times the
    advance itself on sites whose every gate is met up front, which those rules forbid."""
    import dataclasses

    from setupflow.definitions.loader import LoadedWorkflow, fingerprint

    wf = catalog.get("cress-disp").workflow
    bare = wf.model_copy(update={
        "id": BENCH_WORKFLOW, "final": wf.final.model_copy(update={"on_date": None}),
        "decisions": tuple(d.model_copy(update={"settled_by": None, "taken_in": None, "stages": ()})
                           for d in wf.decisions)})
    return dataclasses.replace(catalog, loaded={**catalog.loaded,
                                                BENCH_WORKFLOW: LoadedWorkflow(bare, "bench", fingerprint(bare))})


def prepare_sites(factory, catalog, count: int) -> list[int]:
    """Sites whose every gate is already met, so each advance succeeds."""
    ids = []
    catalog = without_decision_rules(catalog)
    with factory() as session:
        for i in range(count):
            site = ops.create_site(session, catalog, name=f"Bench site {i}", workflow_id=BENCH_WORKFLOW,
                                   start_on="2027-01-04", opening_on="2029-01-01", actor=ACTOR, now=NOW)
            workflow = ops.workflow_of(site)
            for stage in workflow.stages:
                for key in stage.gate.tasks:
                    evidence = workflow.task(key)[1].evidence
                    if evidence:  # met by the (fictional) work itself, done through the real operations
                        produce(session, site, evidence, ACTOR, NOW)
                    else:
                        ops.set_task(session, site, key, True, ACTOR, NOW)
                for key in stage.gate.decisions:
                    kind = workflow.decision(key)
                    value = {"choice": lambda k: k.choices[0].id, "date": lambda k: "2028-11-15",
                             "text": lambda k: "Structure fictive"}[kind.kind](kind)
                    ops.record_decision(session, site, key=key, value=value, text=None, actor=ACTOR, now=NOW)
            ids.append(site.id)
        session.commit()
    return ids


def statements_per_step(engine) -> int:
    """The statements a step may take before its commit: the SELECT, then the UPDATE and the
    INSERT, which PostgreSQL runs as one statement (one round trip; SQLite has no
    data-modifying CTE)."""
    return 2 if engine.dialect.name == "postgresql" else 3


def durability(engine) -> str:
    """What a commit waits for on ``engine``'s server, for the figures' names: PostgreSQL's
    fsync and synchronous_commit (the tests' server runs without fsync); nothing for SQLite,
    whose setting the caller names."""
    if engine.dialect.name != "postgresql":
        return ""
    with engine.connect() as connection:
        fsync, synchronous = (connection.exec_driver_sql(f"SHOW {name}").scalar() for name in ("fsync", "synchronous_commit"))
    return f", fsync {fsync}" + ("" if synchronous == "on" else f", synchronous_commit {synchronous}")


def run_setupflow(factory, site_ids: list[int]) -> tuple[int, float]:
    """Advance each site through its five stages, one transaction per step: (steps, seconds)."""
    steps = 0
    t0 = time.perf_counter()
    for site_id in site_ids:
        for _ in range(5):
            ops.advance_alone(factory, site_id, ACTOR, NOW)  # as the CLI does: SELECT, UPDATE, INSERT
            steps += 1
    return steps, time.perf_counter() - t0


def _spiff():
    from SpiffWorkflow.bpmn.parser import BpmnParser
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

    parser = BpmnParser()
    parser.add_bpmn_file(str(PEER_BPMN))
    spec = parser.get_spec("site_process")
    return spec, BpmnWorkflow, BpmnWorkflowSerializer()


def prepare_peer(engine, count: int) -> list[int]:
    spec, BpmnWorkflow, serializer = _spiff()
    peer_metadata.create_all(engine)
    ids = []
    with engine.begin() as conn:
        for _ in range(count):
            wf = BpmnWorkflow(spec)
            wf.do_engine_steps()
            ids.append(conn.execute(insert(peer_instances).values(data=serializer.serialize_json(wf)))
                       .inserted_primary_key[0])
    return ids


class Peer:
    """SpiffWorkflow's side: the parsed specification and serializer, made once (as an
    application does at start-up), then one transaction per completed task."""

    def __init__(self, engine):
        from SpiffWorkflow.util.task import TaskState

        self.engine = engine
        _spec, _cls, self.serializer = _spiff()
        self.ready = TaskState.READY
        self.size = 0

    def run(self, ids: list[int]) -> tuple[int, float]:
        steps = 0
        t0 = time.perf_counter()
        for instance_id in ids:
            for _ in range(5):
                with self.engine.begin() as conn:
                    data = conn.execute(select(peer_instances.c.data)
                                        .where(peer_instances.c.id == instance_id)).scalar_one()
                    wf = self.serializer.deserialize_json(data)
                    task = wf.get_tasks(state=self.ready)[0]
                    task.run()
                    wf.do_engine_steps()
                    data = self.serializer.serialize_json(wf)
                    self.size = len(data)
                    conn.execute(update(peer_instances).where(peer_instances.c.id == instance_id).values(data=data))
                steps += 1
        return steps, time.perf_counter() - t0


def interleaved(factory, engine, catalog, count: int) -> dict:
    """Both engines over ``count`` sites each, alternating site by site, so that a change in
    the machine's load during the run weighs on both alike: wall and CPU seconds of each."""
    ours_ids = prepare_sites(factory, catalog, count)
    peer_ids = prepare_peer(engine, count)
    peer = Peer(engine)
    totals = {"ours": [0, 0.0, 0.0], "peer": [0, 0.0, 0.0]}
    for ours_id, peer_id in zip(ours_ids, peer_ids):
        for name, run, ids in (("ours", partial(run_setupflow, factory), [ours_id]), ("peer", peer.run, [peer_id])):
            cpu = time.process_time()
            steps, seconds = run(ids)
            totals[name][0] += steps
            totals[name][1] += seconds
            totals[name][2] += time.process_time() - cpu
    return {"ours": totals["ours"], "peer": totals["peer"], "json_bytes": peer.size}


def pages_per_step(engine, factory, catalog) -> float | None:
    """SQLite only: the database pages a step writes (the WAL frames of its commit, which the
    commit's fsync waits for), over the five steps of a site prepared for it; None (and no
    site prepared) on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return None
    site_id = prepare_sites(factory, catalog, 1)[0]
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    run_setupflow(factory, [site_id])
    with engine.connect() as connection:
        _busy, frames, _copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    return frames / 5
