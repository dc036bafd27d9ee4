"""The benchmarks, in order. Each adds its figures to the report."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import event, func, select

from setupflow import schema
from setupflow.config import Settings
from setupflow.db import make_engine, make_session_factory
from setupflow.definitions import load_catalog

from . import advance, dataset, memory, outbox, pages
from .harness import Figure, count_statements, percentile, summarize


def run_all(report, url: str | None, scale: dataset.Scale, quick: bool, workdir: Path, only: str | None = None) -> None:
    catalog = load_catalog(Settings.from_env().workflow_dirs)
    url, seconds, cached = dataset.prepare(url, scale, catalog, workdir)
    report.add(Figure("dataset ready" + (" (cached)" if cached else " (built)"), seconds, "s",
                      note=f"{scale.sites} sites, {scale.sites * scale.meetings_per_site} meetings, "
                           f"{scale.sites * scale.reminders_per_site} reminders"))
    engine = make_engine(url)
    schema.upgrade(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        from setupflow.reminders.models import Reminder
        from setupflow.sites.models import Site

        report.scale["rows"] = {"sites": session.scalar(select(func.count()).select_from(Site)),
                                "reminders": session.scalar(select(func.count()).select_from(Reminder))}

    if only == "pages":
        bench_pages(report, url, engine, factory, catalog, scale, quick, workdir)
        return
    bench_memory(report, factory, scale.sites)
    bench_pages(report, url, engine, factory, catalog, scale, quick, workdir)
    bench_feed(report, engine, factory, quick)
    bench_sweep(report, engine, factory, url, quick)
    bench_advance(report, engine, factory, catalog, quick)
    if engine.dialect.name == "sqlite" and not quick:
        # what-if, both engines alike: WAL with synchronous=NORMAL (no fsync per commit; see README)
        normal = make_engine(url)

        @event.listens_for(normal, "connect")
        def _normal(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

        bench_advance(report, normal, make_session_factory(normal), catalog, quick, label=", synchronous=NORMAL")
        normal.dispose()
    bench_cold_start(report, quick)


def bench_advance(report, engine, factory, catalog, quick, label=""):
    per_round = 15 if quick else 100
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
    db = engine.dialect.name + label
    med, spread = summarize(ours)
    report.add(Figure(f"persisted advance, setupflow ({db})", med, "steps/s", spread=spread))
    med_peer, spread_peer = summarize(peers)
    report.add(Figure(f"persisted advance, SpiffWorkflow 3 ({db})", med_peer, "steps/s", spread=spread_peer,
                      note=f"{size} bytes of JSON per instance"))
    ratio = statistics.median(ratios)
    report.add(Figure(f"advance ratio setupflow / SpiffWorkflow ({db})", ratio, "x", target=">= 2",
                      met=ratio >= 2, spread=f"min {min(ratios):.2f}, max {max(ratios):.2f}"))
    if label:
        return
    site_id = advance.prepare_sites(factory, catalog, 1)[0]
    with count_statements(engine) as counter:
        advance.run_setupflow(factory, [site_id])
    report.add(Figure("advance: SQL statements per step", counter["n"] / 5, "statements",
                      note="load, gate inputs, evidence, update, history, commit"))


def bench_memory(report, factory, sites):
    per_site, raw, loaded = memory.bytes_per_site(factory, sites)
    report.add(Figure(f"memory per loaded site beyond its row ({sites} sites)", per_site, "bytes",
                      target="< 2048", met=per_site < 2048, note=f"rows {raw} B, loaded {loaded} B"))


#: the portfolio as a user lands on it (page 1, sorted by name), sorted by health, filtered by a region
PORTFOLIO_VIEWS = [("page 1", "/portfolio"), ("sorted by health", "/portfolio?sort=health"),
                   ("one region", f"/portfolio?region={dataset.REGIONS[0]}")]


def bench_pages(report, url, engine, factory, catalog, scale, quick, workdir):
    app = pages.make_app(url, workdir)
    client = pages.logged_in_client(app, dataset.CRESS_USER)
    n, status = pages.statements(app, client, "/portfolio")
    report.add(Figure(f"portfolio ({scale.sites} sites): SQL statements", n, "statements", target="<= 10",
                      met=n <= 10 and status == 200, is_assertion=True))
    for name, path in PORTFOLIO_VIEWS[1:]:
        n_view, status = pages.statements(app, client, path)
        report.add(Figure(f"portfolio ({scale.sites} sites), {name}: SQL statements", n_view, "statements",
                          target="<= 10", met=n_view <= 10 and status == 200, is_assertion=True))
    for name, path in PORTFOLIO_VIEWS + [("CSV export", "/portfolio.csv")]:
        cpu = pages.cpu_ms(client, path, 3 if quick else 10)
        report.add(Figure(f"portfolio ({scale.sites} sites), {name}: CPU per request (test client)",
                          statistics.median(cpu), "ms", spread=f"min {min(cpu):.1f}, max {max(cpu):.1f}, n={len(cpu)}"))
    # the same page for a user following a handful of sites: the count must not move
    few = pages.few_sites_user(factory, 5)
    n_few, _ = pages.statements(app, pages.logged_in_client(app, few), "/portfolio")
    report.add(Figure("portfolio (5 sites): SQL statements", n_few, "statements", target=f"== {n}",
                      met=n_few == n, is_assertion=True))
    short_id, long_id = pages.short_and_long_sites(factory, catalog)
    short, s1 = pages.statements(app, client, f"/sites/{short_id}")
    long_, s2 = pages.statements(app, client, f"/sites/{long_id}")
    report.add(Figure("site page: SQL statements, short history", short, "statements"))
    report.add(Figure("site page: SQL statements, long history", long_, "statements", target=f"== {short}",
                      met=long_ == short and s1 == s2 == 200, is_assertion=True))
    pattern = pages.meeting_route(app)
    meeting_urls = None
    if pattern is None:
        report.add(Figure("meeting page", 0, "", target="p95 < 50 ms", note="no meeting page in this build"))
    else:
        short_meeting, long_meeting = pages.short_and_long_meetings(factory, short_id, long_id)
        meeting_urls = (pages.meeting_url(pattern, short_id, short_meeting),
                        pages.meeting_url(pattern, long_id, long_meeting))
        m1, _ = pages.statements(app, client, meeting_urls[0])
        m2, _ = pages.statements(app, client, meeting_urls[1])
        report.add(Figure("meeting page: SQL statements, short history", m1, "statements"))
        report.add(Figure("meeting page: SQL statements, long history", m2, "statements", target=f"== {m1}",
                          met=m1 == m2, is_assertion=True))
    engine.dispose()

    server = pages.Gunicorn(url, workdir)
    try:
        user = pages.HttpUser(server.port, dataset.CRESS_USER)
        runs = [(f"portfolio, {name}", path, 150, 10 if quick else 40) for name, path in PORTFOLIO_VIEWS]
        runs += [("site page, short history", f"/sites/{short_id}", 50, 20 if quick else 100),
                ("site page, long history", f"/sites/{long_id}", 50, 20 if quick else 100)]
        if meeting_urls:
            runs += [("meeting page, short history", meeting_urls[0], 50, 20 if quick else 100),
                     ("meeting page, long history", meeting_urls[1], 50, 20 if quick else 100)]
        for name, path, target, count in runs:
            p50, p95, spread = pages.p50_p95(user.timings(path, count))
            report.add(Figure(f"{name} over HTTP (gunicorn -w 2), p95", p95, "ms", target=f"< {target}",
                              met=p95 < target, spread=spread, note=pages.load_average()))
        # every matching row, not a page: reported, no target
        p50, p95, spread = pages.p50_p95(user.timings("/portfolio.csv", 3 if quick else 10))
        report.add(Figure(f"portfolio CSV export ({scale.sites} sites) over HTTP, p95", p95, "ms", spread=spread,
                          note=pages.load_average()))
    finally:
        server.stop()


def bench_feed(report, engine, factory, quick):
    from setupflow.reminders.feeds import create_feed, feed_for_token

    with factory() as session:
        token = create_feed(session, dataset.NOW, email=dataset.COORDINATOR)
        session.commit()
    samples = []
    size = 0
    for _ in range(2 if quick else 3):
        with factory() as session:
            t0 = time.perf_counter()
            size = len(feed_for_token(session, token, dataset.NOW))
            samples.append((time.perf_counter() - t0) * 1000)
    with factory() as session, count_statements(engine) as counter:
        feed_for_token(session, token, dataset.NOW)
    med, spread = summarize(samples)
    with factory() as session:
        from setupflow.team.models import Person

        sites = session.scalar(select(func.count(Person.site_id.distinct())).where(Person.email == dataset.COORDINATOR))
    report.add(Figure(f"calendar feed of one person ({sites} sites)", med, "ms", target="< 300", met=med < 300,
                      spread=spread, note=f"{size} bytes, {counter['n']} SQL statements"))
    report.add(Figure("calendar feed: SQL statements", counter["n"], "statements"))


def bench_sweep(report, engine, factory, url, quick):
    claim_ms, idle_ms, sent_per_s, count = outbox.measure(engine, factory, url, quick)
    med, spread = summarize(claim_ms)
    report.add(Figure("sweep: claim 1,000 due rows", med, "ms", target="< 20", met=med < 20, spread=spread,
                      note=f"among {report.scale['rows']['reminders']:,} rows"))
    med, spread = summarize(idle_ms)
    report.add(Figure("sweep: idle (nothing due)", med, "ms", target="< 1", met=med < 1, spread=spread))
    med, spread = summarize(sent_per_s)
    report.add(Figure(f"SMTP delivery, one worker ({count} messages, aiosmtpd on loopback)", med, "messages/s",
                      target=">= 200", met=med >= 200, spread=spread))


def bench_cold_start(report, quick):
    import resource

    samples, cpu = [], []
    for _ in range(3 if quick else 7):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "setupflow", "--help"], check=True, capture_output=True)
        samples.append((time.perf_counter() - t0) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
    med, spread = summarize(samples)
    report.add(Figure("setupflow --help cold start", med, "ms", target="< 300", met=med < 300, spread=spread,
                      note=f"CPU (user+sys) median {statistics.median(cpu):.0f} ms"))
    report.add(Figure("setupflow --help cold start, CPU time", statistics.median(cpu), "ms"))


__all__ = ["run_all", "percentile"]
