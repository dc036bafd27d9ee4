"""The programme pages at scale: 50 editions, 1,000 laureates, 20,000 reports (four counts
each), on a fresh SQLite file (or --database URL, an empty database). Measures p50/p95 of the
programme page, an edition page and the national view through the Flask test client, and
their SQL statements (which must not grow with the data).

    python -m benchmarks.programmes [--quick] [--editions 50] [--laureates 1000] [--reports 20000]

Wall and CPU time are printed apart (CPU is what the machine's load does not change). With
--quick (CI) the pages are measured at a tenth of the scale too, and a page whose number of
statements differs between the two scales fails the run: it must not grow with the data.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import event, insert

from setupflow import migrate
from setupflow.accounts.operations import create_user
from setupflow.config import Settings
from setupflow.db import make_engine, make_session_factory
from setupflow.programmes.models import Edition, Laureate, Report, ReportValue

PASSWORD = "un-mot-de-passe-de-banc"
TARGET_P95_MS = 150


def build(engine, editions: int, laureates: int, reports: int) -> int:
    now = datetime(2027, 1, 4, 9, tzinfo=timezone.utc)
    criteria = [{"id": "justice_link", "label": "Lien", "weight": 3}]
    with engine.begin() as conn:
        conn.execute(insert(Edition), [
            {"programme_id": "actice", "label": f"Promotion {2000 + i}", "starts_on": date(2000 + i, 1, 1),
             "ends_on": date(2000 + i, 12, 31), "status": "accompaniment", "criteria": criteria, "review_texts": {},
             "created_dt": now, "changed_dt": now, "changed_by": "banc", "version_id": 1} for i in range(editions)])
        conn.execute(insert(Laureate), [
            {"edition_id": 1 + i % editions, "project": f"Projet {i}", "organisations": [f"Asso {i}"],
             "department": f"{1 + i % 95:02d}", "purpose": "Projet fictif", "parrains": [], "created_dt": now}
            for i in range(laureates)])
        per_laureate = max(1, reports // laureates)
        rows = []
        for i in range(laureates):
            for q in range(per_laureate):
                rows.append({"laureate_id": 1 + i, "period": f"{2000 + (i % editions)}-Q{1 + q % 4}"
                             if q < 4 else f"{2001 + (i % editions) + q // 4}-Q{1 + q % 4}",
                             "reported_dt": now, "reported_by": "banc"})
        conn.execute(insert(Report), rows)
        values = []
        for r, row in enumerate(rows, 1):
            for k, ind in enumerate(("people_accompanied", "people_into_work", "establishments", "volunteers")):
                values.append({"report_id": r, "indicator": ind, "count": (r * (k + 3)) % 17,
                               "laureate_id": row["laureate_id"], "edition_id": 1 + (row["laureate_id"] - 1) % editions,
                               "period": row["period"]})
        conn.execute(insert(ReportValue), values)
    return len(rows)


PAGES = (("programme page", "/programmes/actice"), ("edition page", "/programmes/actice/editions/1"),
         ("national view", "/national"))


def measure(url: str, workdir: Path, editions: int, laureates: int, reports: int, samples: int) -> dict:
    """{page: (statements, p50, p95, CPU p50, CPU p95)} on a new dataset in ``url`` (empty)."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    started = time.perf_counter()
    made = build(engine, editions, laureates, reports)
    print(f"dataset: {editions} editions, {laureates} laureates, {made} reports "
          f"({time.perf_counter() - started:.1f} s)")
    with make_session_factory(engine)() as session:
        create_user(session, email="admin@bench.test", role="admin", password=PASSWORD, now=datetime.now(timezone.utc))
        session.commit()
    engine.dispose()
    from web import create_app

    settings = Settings.from_env({"SETUPFLOW_DATABASE_URL": url, "SETUPFLOW_DATA_DIR": str(workdir)})
    app = create_app(settings, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    assert client.post("/login", data={"email": "admin@bench.test", "password": PASSWORD}).status_code == 302
    app_engine = app.extensions["setupflow_engine"]
    out = {}
    for label, path in PAGES:
        seen = []
        listener = lambda *a: seen.append(1)  # noqa: E731
        assert client.get(path).status_code == 200, path
        event.listen(app_engine, "before_cursor_execute", listener)
        assert client.get(path).status_code == 200, path
        event.remove(app_engine, "before_cursor_execute", listener)
        times, cpu = [], []
        for _ in range(samples):
            t0, c0 = time.perf_counter(), time.process_time()
            assert client.get(path).status_code == 200
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        times.sort()
        cpu.sort()

        def p(xs, q):
            return xs[min(len(xs) - 1, int(len(xs) * q))]
        out[label] = (len(seen), p(times, 0.5), p(times, 0.95), p(cpu, 0.5), p(cpu, 0.95))
    app_engine.dispose()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.programmes", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--editions", type=int, default=50)
    parser.add_argument("--laureates", type=int, default=1000)
    parser.add_argument("--reports", type=int, default=20000)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--database", help="An empty database (the dataset is built into it); default a new SQLite file.")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="setupflow-bench-programmes-"))
    samples = 5 if args.quick else args.samples
    small = None
    if args.quick:
        small = measure(f"sqlite:///{workdir / 'small.db'}", workdir, max(1, args.editions // 10),
                        max(1, args.laureates // 10), max(1, args.reports // 10), samples)
    url = args.database or f"sqlite:///{workdir / 'bench.db'}"
    full = measure(url, workdir, args.editions, args.laureates, args.reports, samples)
    failed = False
    for label, (n, p50, p95, cpu50, cpu95) in full.items():
        ok = p95 < TARGET_P95_MS
        failed |= not ok and not args.quick  # times are reported in --quick, never asserted
        note = ""
        if small is not None:
            same = small[label][0] == n
            failed |= not same
            note = f"  statements at a tenth of the scale: {small[label][0]} ({'same' if same else 'GROWS'})"
        print(f"{label:<16} {n:>3} statements  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  CPU p50 {cpu50:6.1f} "
              f"p95 {cpu95:6.1f} ms  (target p95 < {TARGET_P95_MS} ms: {'met' if ok else 'MISSED'}){note}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
