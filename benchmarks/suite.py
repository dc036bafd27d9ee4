"""The benchmarks, in order. Each adds its figures to the report."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from setupflow import schema
from setupflow.config import Settings
from setupflow.db import make_engine, make_session_factory
from setupflow.definitions import load_catalog

from . import advance, memory
from .harness import Figure, summarize


def run_all(report, url: str, sites: int, quick: bool, workdir: Path) -> None:
    engine = make_engine(url)
    schema.upgrade(engine)
    factory = make_session_factory(engine)
    catalog = load_catalog(Settings.from_env().workflow_dirs)

    bench_advance(report, engine, factory, catalog, sites, quick)
    bench_memory(report, factory, catalog, sites)
    bench_cold_start(report, quick)


def bench_advance(report, engine, factory, catalog, sites, quick):
    per_round = 20 if quick else 100
    rounds = 3 if quick else 5
    ours, peers, size = [], [], 0
    for _ in range(rounds):
        ids = advance.prepare_sites(factory, catalog, per_round)
        steps, seconds = advance.run_setupflow(factory, ids)
        ours.append(steps / seconds)
        peer_ids = advance.prepare_peer(engine, per_round)
        steps, seconds, size = advance.run_peer(engine, peer_ids)
        peers.append(steps / seconds)
    ratios = [a / b for a, b in zip(ours, peers)]
    med, spread = summarize(ours)
    report.add(Figure("persisted advance, setupflow", med, "steps/s", spread=spread))
    med_peer, spread_peer = summarize(peers)
    report.add(Figure("persisted advance, SpiffWorkflow 3", med_peer, "steps/s", spread=spread_peer,
                      note=f"{size} bytes of JSON per instance"))
    ratio = statistics.median(ratios)
    report.add(Figure("advance ratio setupflow / SpiffWorkflow", ratio, "x", target=">= 2", met=ratio >= 2,
                      spread=f"min {min(ratios):.2f}, max {max(ratios):.2f}"))


def bench_memory(report, factory, catalog, sites):
    existing = _count_sites(factory)
    if existing < sites:
        _bulk_sites(factory, catalog, sites - existing)
    per_site, raw, loaded = memory.bytes_per_site(factory, sites)
    report.add(Figure(f"memory per loaded site beyond its row ({sites} sites)", per_site, "bytes",
                      target="< 2048", met=per_site < 2048, note=f"rows {raw} B, loaded {loaded} B"))


def _count_sites(factory) -> int:
    from sqlalchemy import func, select

    from setupflow.sites.models import Site

    with factory() as session:
        return session.scalar(select(func.count()).select_from(Site))


def _bulk_sites(factory, catalog, count):
    from setupflow.sites import operations as ops

    with factory() as session:
        for i in range(count):
            ops.create_site(session, catalog, name=f"Site {i}", workflow_id="cress-disp", start_on="2027-01-04",
                            opening_on="2029-01-01", actor=advance.ACTOR, now=advance.NOW)
        session.commit()


def bench_cold_start(report, quick):
    samples = []
    for _ in range(3 if quick else 7):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "setupflow", "--help"], check=True, capture_output=True)
        samples.append((time.perf_counter() - t0) * 1000)
    med, spread = summarize(samples)
    report.add(Figure("setupflow --help cold start", med, "ms", target="< 300", met=med < 300, spread=spread))
