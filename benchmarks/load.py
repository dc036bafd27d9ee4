"""Many people at once: 8 and 32 concurrent clients against gunicorn with 2 and 4 sync
workers, each client a browser logged in as one of several people (the national Cress
follower, a regional Cress user, an admin, a project lead of a few sites) plus calendar
applications polling a feed, sending a mix of portfolio, site, meeting and feed requests
without pause. Prints the throughput and the p50/p95 of each page per configuration, and
fails on any answer that is not 200 (or 304 for a feed poll).

    python -m benchmarks.load --database postgresql+psycopg://... [--sites 2000] [--seconds 30]
        [--clients 8,32] [--workers 2,4]
    python -m benchmarks.load --database ... --capacity [--think 10]

``--capacity`` doubles the clients (1, 2, 4, ...) for each worker count until a page's p95
misses its target (portfolio 150 ms, site and meeting 50 ms, feed 300 ms), and prints the
highest throughput within every target. The number of people that throughput serves is
that throughput times ``--think``, the seconds a person spends on a page before opening
the next (10 by default: an assumption, printed beside the figure, not a measurement).

An empty PostgreSQL database gets the national dataset built into it (as ``python -m
benchmarks`` does); without --database a copy of the cached SQLite dataset is used (the
figures the README quotes are PostgreSQL's). Not part of --quick.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import select

from setupflow.config import Settings
from setupflow.db import make_engine, make_session_factory
from setupflow.definitions import load_catalog

from . import dataset, pages
from .harness import percentile

#: page -> weight in the mix (a person opens the portfolio and sites more than meetings)
MIX = {"portfolio": 3, "portfolio sorted": 1, "portfolio region": 1, "site": 4, "meeting": 2, "feed": 2}

#: page -> p95 target in ms (issue 7 and issue 16)
TARGETS = {"portfolio": 150, "portfolio sorted": 150, "portfolio region": 150, "site": 50, "meeting": 50,
           "feed": 300}


def missed(result: dict) -> list[str]:
    """The pages of one configuration whose p95 is over its target."""
    return [f"{page} p95 {v['p95']:.0f} > {TARGETS[page]} ms" for page, v in sorted(result["pages"].items())
            if v["p95"] > TARGETS[page]]


def capacity(url: str, workdir: Path, who: dict, workers: int, seconds: float, think: float) -> dict:
    """Double the clients until a target is missed; the last configuration within them."""
    best, clients, tried = None, 1, []
    while clients <= 256:
        r = run(url, workdir, who, workers, clients, seconds)
        tried.append(r)
        report(r)
        if r["error_count"] or missed(r):
            break
        best = r
        clients *= 2
    within = best["throughput"] if best else 0.0
    line = (f"capacity, gunicorn -w {workers}: within every target up to {best['clients'] if best else 0} clients, "
            f"{within:.1f} requests/s; at one page every {think:g} s a person, about {within * think:.0f} people "
            f"at once" + (f"; at {tried[-1]['clients']} clients: {', '.join(missed(tried[-1])) or 'errors'}"
                          if tried and tried[-1] is not best else ""))
    print(line, flush=True)
    return {"workers": workers, "think": think, "within_clients": best["clients"] if best else 0,
            "within_throughput": within, "people": within * think, "runs": tried}


def report(r: dict) -> None:
    pages_text = "; ".join(f"{p} p50 {v['p50']:.0f} p95 {v['p95']:.0f} ms (n={v['n']})"
                           for p, v in sorted(r["pages"].items()))
    print(f"gunicorn -w {r['workers']}, {r['clients']} clients: {r['throughput']:.1f} requests/s, "
          f"{r['error_count']} errors; {pages_text}; {r['load']}", flush=True)
    for e in r["errors"][:5]:
        print(f"  error: {e}", flush=True)


def people(factory) -> dict:
    """The accounts and the pages they open: created once per database."""
    from setupflow.accounts import operations as accounts
    from setupflow.accounts.models import User
    from setupflow.committees.models import Meeting
    from setupflow.reminders.feeds import create_feed
    from setupflow.sites.models import Site

    with factory() as session:
        site_ids = list(session.scalars(select(Site.id).order_by(Site.id)))
        region = dataset.REGIONS[0]
        in_region = list(session.scalars(select(Site.id).where(Site.region == region).order_by(Site.id).limit(200)))
        wanted = {"admin.charge@example.test": ("admin", None, ()),
                  "cress.bretagne@example.test": ("cress", region, ()),
                  "porteur.projet@example.test": ("lead", "Aucune", tuple(site_ids[:5]))}
        for email, (role, where, ids) in wanted.items():
            if session.scalar(select(User.id).where(User.email == email)) is None:
                accounts.create_user(session, email=email, role=role, password=pages.PASSWORD, now=dataset.NOW,
                                     display_name="Personne fictive", region=where, site_ids=ids)
        sites = {dataset.CRESS_USER: site_ids[:200], "admin.charge@example.test": site_ids[-200:],
                 "cress.bretagne@example.test": in_region, "porteur.projet@example.test": site_ids[:5]}
        needed = {s for ids in sites.values() for s in ids}
        meetings = {}
        for site_id, meeting_id in session.execute(select(Meeting.site_id, Meeting.id)
                                                   .where(Meeting.site_id.in_(needed)).order_by(Meeting.id)):
            meetings.setdefault(site_id, meeting_id)
        token = create_feed(session, dataset.NOW, email=dataset.COORDINATOR)
        session.commit()
    return {"emails": list(sites), "sites": sites, "meetings": meetings, "feed": f"/feeds/{token}.ics"}


def client_loop(user, email: str, who: dict, start: threading.Event, seconds: float, out: list, errors: list,
                seed: int) -> None:
    rng = random.Random(seed)
    start.wait()
    stop = time.perf_counter() + seconds
    sites = who["sites"][email]
    with_meetings = [s for s in sites if s in who["meetings"]]
    names, weights = list(MIX), list(MIX.values())
    etag = None
    while time.perf_counter() < stop:
        page = rng.choices(names, weights)[0]
        site = rng.choice(sites)
        headers = {}
        if page == "portfolio":
            path = "/portfolio"
        elif page == "portfolio sorted":
            path = f"/portfolio?sort=health&page={rng.randint(1, 3)}"
        elif page == "portfolio region":
            path = f"/portfolio?region={dataset.REGIONS[0]}"
        elif page == "site":
            path = f"/sites/{site}"
        elif page == "meeting":
            if not with_meetings:
                continue
            meeting_site = site if site in who["meetings"] else rng.choice(with_meetings)
            path = f"/sites/{meeting_site}/meetings/{who['meetings'][meeting_site]}"
        else:
            path = who["feed"]
            if etag and rng.random() < 0.7:
                headers["If-None-Match"] = etag
        t0 = time.perf_counter()
        try:
            if page == "feed":
                status, body, answer_etag = _feed(user, path, headers)
                etag = answer_etag or etag
            else:
                status, _ = user.get(path)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{page} {path}: {exc!r}")
            continue
        ms = (time.perf_counter() - t0) * 1000
        if status not in (200, 304) or (status == 304 and page != "feed"):
            errors.append(f"{email} {path}: {status}")
            continue
        out.append((page, ms))


def _feed(user, path, headers):
    """A calendar application: no session cookie, an ETag when it has one."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", user.conn.port, timeout=30)
    conn.request("GET", path, headers=headers)
    answer = conn.getresponse()
    answer.read()
    conn.close()
    return answer.status, None, answer.headers.get("ETag")


def run(url: str, workdir: Path, who: dict, workers: int, clients: int, seconds: float) -> dict:
    server = pages.Gunicorn(url, workdir, workers=workers)
    try:
        samples: list = []
        errors: list = []
        # warm every worker (a worker's first request builds its caches)
        warm = pages.HttpUser(server.port, dataset.CRESS_USER)
        for _ in range(workers * 3):
            warm.get("/portfolio")
            warm.get(f"/sites/{who['sites'][dataset.CRESS_USER][0]}")
        # every client logs in first (a password hash each): the run measures the pages, not the logins
        emails = [who["emails"][i % len(who["emails"])] for i in range(clients)]
        users = [pages.HttpUser(server.port, email) for email in emails]
        start = threading.Event()
        threads = [threading.Thread(target=client_loop, args=(users[i], emails[i], who, start, seconds, samples,
                                                                errors, i), daemon=True) for i in range(clients)]
        for t in threads:
            t.start()
        t0 = time.perf_counter()
        start.set()
        for t in threads:
            t.join(seconds + 60)
        wall = time.perf_counter() - t0
    finally:
        server.stop()
    by_page = defaultdict(list)
    for page, ms in samples:
        by_page[page].append(ms)
    return {"workers": workers, "clients": clients, "seconds": round(wall, 1), "requests": len(samples),
            "throughput": len(samples) / wall, "errors": errors[:20], "error_count": len(errors),
            "pages": {p: {"n": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95)} for p, v in by_page.items()},
            "load": pages.load_average()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="Database URL (PostgreSQL for the README's figures).")
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", default="8,32")
    parser.add_argument("--workers", default="2,4")
    parser.add_argument("--capacity", action="store_true",
                        help="Double the clients until a page misses its p95 target (see above).")
    parser.add_argument("--think", type=float, default=10.0,
                        help="Seconds a person spends on a page, to turn --capacity's throughput into people.")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    from setupflow import portfolio_summary

    catalog = load_catalog(Settings.from_env().workflow_dirs)
    workdir = Path(tempfile.mkdtemp(prefix="setupflow-load-"))
    results = []
    try:
        url, _s, _cached = dataset.prepare(args.database, dataset.scale_for(args.sites, False), catalog, workdir)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory() as session:
            portfolio_summary.refresh_all(session, dataset.NOW)
            session.commit()
        who = people(factory)
        engine.dispose()
        database = url.split("://")[0]
        print(f"load run: {args.sites} sites on {database}, {args.seconds:.0f} s a configuration", flush=True)
        for workers in [int(w) for w in args.workers.split(",")]:
            if args.capacity:
                results.append(capacity(url, workdir, who, workers, args.seconds, args.think))
                continue
            for clients in [int(c) for c in args.clients.split(",")]:
                r = run(url, workdir, who, workers, clients, args.seconds)
                results.append(r)
                report(r)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    out = args.output or Path(__file__).parent / "results" / f"load-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"cpus": os.cpu_count(), "sites": args.sites, "results": results}, indent=2))
    print(f"figures written to {out}")
    runs = [run_ for r in results for run_ in r.get("runs", [r])]
    return 1 if any(r["error_count"] for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
