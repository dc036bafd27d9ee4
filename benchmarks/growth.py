"""The portfolio as the number of sites grows: 200, 2,000 and 20,000 sites (20,000 not in
--quick), p95 over HTTP (gunicorn -w 2, one server per size, asked in turn) of page 1, sorted by health and one region, the
statements of each (the same at every size), the CPU per request in the test client and
the part of it spent in SQL statements, the ratios largest/200 of p95 (target <= 1.3), of
CPU and of CPU in SQL, the time to compute every site's stored line (the worker's job when the day
changes), the stored lines' consistency (``portfolio_summary.verify``) and the peak RSS
of a process exporting every site as CSV.

    python -m benchmarks.growth [--quick] [--sizes 200,2000,20000] [--database URL]

The datasets are the national one (``benchmarks.dataset``) with fewer meetings and no
outbox rows per site (the portfolio reads neither), cached by size like it.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from setupflow.config import Settings
from setupflow.db import make_engine, make_session_factory
from setupflow.definitions import load_catalog

from . import dataset, pages
from .harness import Figure, Report, percentile, print_table

VIEWS = [("page 1", "/portfolio"), ("sorted by health", "/portfolio?sort=health"),
         ("one region", f"/portfolio?region={dataset.REGIONS[0]}")]
TARGET_RATIO = 1.3


def scale(sites: int) -> dataset.Scale:
    return dataset.Scale(sites, 4, 0, 6)


def csv_peak_rss(url: str, workdir: Path, export: bool) -> float:
    """Peak RSS (MB) of a fresh process that serves page 1, then (``export``) the CSV of
    every site, through the Flask test client: the export's own cost is the difference."""
    code = f"""
import sys
sys.path.insert(0, {str(pages.ROOT)!r})
from pathlib import Path
from benchmarks import pages, dataset
app = pages.make_app({url!r}, Path({str(workdir)!r}))
client = pages.logged_in_client(app, dataset.CRESS_USER)
assert client.get('/portfolio').status_code == 200
size = 0
if {export!r}:
    answer = client.get('/portfolio.csv', buffered=False)
    for chunk in answer.response:
        size += len(chunk)
    answer.close()
# the peak of this process's own memory (VmHWM): ru_maxrss also counts the memory of the
# process that spawned it (Linux keeps the larger across exec)
peak = next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM:'))
print(peak / 1024, size)
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1])


def sql_cpu_ms(app, client, path: str, count: int) -> list[float]:
    """CPU milliseconds spent in SQL statements (cursor execute to its end, this process:
    SQLite works in it) per GET, ``count`` GETs after a warm-up: the part of a request
    that grows with the number of sites when a statement reads every one."""
    from sqlalchemy import event

    engine = app.extensions["setupflow_engine"]
    spent: list[float] = []

    def before(conn, *_args):
        conn.info["sql_t0"] = time.process_time()

    def after(conn, *_args):
        spent.append(time.process_time() - conn.info.pop("sql_t0"))

    client.get(path)
    out = []
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        for _ in range(count):
            spent.clear()
            assert client.get(path).status_code == 200
            out.append(sum(spent) * 1000)
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return out


def measure(report: Report, sites: int, url: str | None, catalog, workdir: Path) -> dict:
    """Everything of one size but its HTTP timings (``over_http``): the dataset, every
    line computed, each view's statements and CPU in the test client."""
    from setupflow import portfolio_summary

    url, seconds, cached = dataset.prepare(url, scale(sites), catalog, workdir)
    report.add(Figure(f"growth {sites}: dataset ready" + (" (cached)" if cached else " (built)"), seconds, "s"))
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        t0 = time.perf_counter()
        count = portfolio_summary.refresh_all(session, dataset.NOW)
        session.commit()
        refresh_s = time.perf_counter() - t0
    report.add(Figure(f"growth {sites}: every site's line computed (worker, new day)", refresh_s * 1000, "ms",
                      note=f"{count} sites, {refresh_s * 1e6 / max(count, 1):.0f} us a site"))
    app = pages.make_app(url, workdir)
    client = pages.logged_in_client(app, dataset.CRESS_USER)
    counts, cpu, sql = {}, {}, {}
    for name, path in VIEWS:
        counts[name], status = pages.statements(app, client, path)
        report.add(Figure(f"growth {sites}: portfolio, {name}: SQL statements", counts[name], "statements",
                          target="<= 10", met=counts[name] <= 10 and status == 200, is_assertion=True))
        samples = pages.cpu_ms(client, path, 15)
        cpu[name] = statistics.median(samples)
        report.add(Figure(f"growth {sites}: portfolio, {name}: CPU per request (test client)", cpu[name], "ms",
                          spread=f"min {min(samples):.1f}, max {max(samples):.1f}, n={len(samples)}"))
        samples = sql_cpu_ms(app, client, path, 15)
        sql[name] = statistics.median(samples)
        report.add(Figure(f"growth {sites}: portfolio, {name}: CPU in SQL statements per request", sql[name], "ms",
                          spread=f"min {min(samples):.2f}, max {max(samples):.2f}, n={len(samples)}"))
    engine.dispose()
    return {"url": url, "workdir": workdir, "counts": counts, "cpu": cpu, "sql": sql}


def over_http(report: Report, results: dict[int, dict], quick: bool) -> None:
    """Each view's p95 over HTTP at every size, one gunicorn (2 workers) per size, all
    serving at once and asked in turn, request by request: a change of the machine's load
    during the run weighs on every size alike (as the advance benchmark alternates its two
    engines), so the ratios compare the sizes and not the moments they were measured at."""
    servers = {sites: pages.Gunicorn(r["url"], r["workdir"]) for sites, r in results.items()}
    try:
        users = {sites: pages.HttpUser(server.port, dataset.CRESS_USER) for sites, server in servers.items()}
        for name, path in VIEWS:
            for user in users.values():
                user.timings(path, 0)  # the warm-ups
            samples: dict[int, list[float]] = {sites: [] for sites in users}
            for _ in range(40 if quick else 100):
                for sites, user in users.items():
                    samples[sites] += user.timings(path, 1, warm_up=False)
            for sites, timings in samples.items():
                p50, p95, spread = pages.p50_p95(timings)
                results[sites].setdefault("p95", {})[name] = p95
                report.add(Figure(f"growth {sites}: portfolio, {name}, over HTTP (gunicorn -w 2), p95", p95, "ms",
                                  target="< 100", met=p95 < 100, spread=spread, note=pages.load_average()))
        for sites, user in users.items():
            samples = user.timings("/portfolio.csv", 3 if quick else 5)
            report.add(Figure(f"growth {sites}: CSV export of every site over HTTP, p50", percentile(samples, 50), "ms",
                              spread=f"min {min(samples):.0f}, max {max(samples):.0f}"))
    finally:
        for server in servers.values():
            server.stop()


def after_http(report: Report, sites: int, result: dict) -> None:
    """The size's CSV memory and its lines' and counts' consistency."""
    from setupflow import portfolio_summary

    url, workdir = result["url"], result["workdir"]
    base, _ = csv_peak_rss(url, workdir, export=False)
    peak, size = csv_peak_rss(url, workdir, export=True)
    report.add(Figure(f"growth {sites}: peak RSS of a process exporting every site as CSV", peak, "MB",
                      note=f"{peak - base:+.1f} MB over serving page 1 only ({base:.1f} MB); {size:,} bytes"))
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        differences, stale = portfolio_summary.verify(session, dataset.NOW)
        counted = portfolio_summary.verify_counts(session)
    engine.dispose()
    report.add(Figure(f"growth {sites}: kept counts differing from a recount of the lines", len(counted), "rows",
                      target="== 0", met=not counted, is_assertion=True))
    report.add(Figure(f"growth {sites}: stored lines differing from a recomputation", len(differences), "lines",
                      target="== 0", met=not differences, is_assertion=True,
                      note=f"{stale} stale; " + "; ".join(f"{d.site_id}.{d.column}" for d in differences[:5])))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.growth", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="200 and 2,000 sites, fewer requests.")
    parser.add_argument("--sizes", help="Comma-separated numbers of sites (default 200,2000,20000).")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([200, 2000] if args.quick
                                                                        else [200, 2000, 20000])
    catalog = load_catalog(Settings.from_env().workflow_dirs)
    report = Report(scale={"sizes": sizes, "quick": args.quick}, machine={"cpus": os.cpu_count()})
    results = {}
    try:
        for sites in sizes:
            workdir = Path(tempfile.mkdtemp(prefix=f"setupflow-growth-{sites}-"))
            results[sites] = measure(report, sites, None, catalog, workdir)
        over_http(report, results, args.quick)
        for sites, result in results.items():
            after_http(report, sites, result)
    finally:
        for result in results.values():
            shutil.rmtree(result["workdir"], ignore_errors=True)
    small, large = min(sizes), max(sizes)
    for name, _ in VIEWS:
        ratio = results[large]["p95"][name] / results[small]["p95"][name]
        report.add(Figure(f"growth: portfolio, {name}, p95({large:,}) / p95({small:,})", ratio, "x",
                          target=f"<= {TARGET_RATIO}", met=ratio <= TARGET_RATIO))
        cpu_ratio = results[large]["cpu"][name] / results[small]["cpu"][name]
        report.add(Figure(f"growth: portfolio, {name}, CPU({large:,}) / CPU({small:,})", cpu_ratio, "x",
                          note="CPU per request in the test client: what the machine's load does not change"))
        sql_ratio = results[large]["sql"][name] / max(results[small]["sql"][name], 1e-6)
        report.add(Figure(f"growth: portfolio, {name}, CPU in SQL({large:,}) / CPU in SQL({small:,})", sql_ratio, "x",
                          note=f"{results[small]['sql'][name]:.2f} -> {results[large]['sql'][name]:.2f} ms a request"))
        report.add(Figure(f"growth: portfolio, {name}, statements at {large:,} and {small:,} sites",
                          results[large]["counts"][name], "statements", target=f"== {results[small]['counts'][name]}",
                          met=results[large]["counts"][name] == results[small]["counts"][name], is_assertion=True))
    print_table(report)
    out = args.output or Path(__file__).parent / "results" / f"growth-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"scale": report.scale, "figures": [f.as_dict() for f in report.figures]}, indent=2,
                              default=str))
    print(f"\nfigures written to {out}; peak RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    failed = report.failed_assertions
    for f in failed:
        print(f"FAILED: {f.name} = {f.value} {f.unit}, target {f.target}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
