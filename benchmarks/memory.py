"""Memory of loaded sites beyond their database rows: no machine object per site."""
from __future__ import annotations

import gc
import tracemalloc

from sqlalchemy import select

from setupflow.sites.models import Site
from setupflow.sites.operations import gate_of
from setupflow.sites.runtime import machine_of, workflow_of


def _measure(fn):
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = fn()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return after - before, kept


def bytes_per_site(factory, count: int) -> tuple[float, int, int]:
    """(extra bytes per site, bytes of the raw rows, bytes of the loaded sites)."""
    columns = [c for c in Site.__table__.columns]
    with factory() as session:  # the definition and machine are built once per process, not per site
        machine_of(session.scalars(select(Site).limit(1)).one())
    with factory() as session:
        def raw_rows():
            return session.execute(select(*columns).limit(count)).all()

        raw, rows = _measure(raw_rows)
        del rows

    with factory() as session:
        def loaded_sites():
            sites = list(session.scalars(select(Site).limit(count)))
            for site in sites:
                workflow_of(site)
                machine_of(site)
            return sites

        loaded, sites = _measure(loaded_sites)
        n = len(sites)
        # the gate of a loaded site is computed on demand, not kept per site
        gate_of(session, sites[0])
    return (loaded - raw) / max(n, 1), raw, loaded
