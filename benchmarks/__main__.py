"""Run the benchmarks and print a table and a JSON file of figures.

    python -m benchmarks [--quick] [--sites N] [--database URL] [--output FILE] [--only pages]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from .harness import Figure, Report, print_table


def machine_info() -> dict:
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="CI scale: runs in under a minute.")
    parser.add_argument("--sites", type=int, help="Number of sites (default 2000, quick 100).")
    parser.add_argument("--database", help="Database URL (default: a copy of the cached SQLite dataset). An empty PostgreSQL database "
                        "gets the dataset built into it; one that has sites is used as it is.")
    parser.add_argument("--output", type=Path, help="JSON file for the figures "
                        "(default benchmarks/results/<date>.json).")
    parser.add_argument("--only", choices=("pages",), help="Run one part alone: 'pages' measures the portfolio, "
                        "site and meeting pages (statements, CPU, HTTP) and nothing else.")
    args = parser.parse_args(argv)

    from .dataset import scale_for

    scale = scale_for(args.sites, args.quick)
    workdir = Path(tempfile.mkdtemp(prefix="setupflow-bench-"))
    url = args.database
    database = url.split("://")[0] if url else "sqlite"
    report = Report(scale={"sites": scale.sites, "meetings_per_site": scale.meetings_per_site,
                           "reminders_per_site": scale.reminders_per_site, "quick": args.quick,
                           "database": database, "only": args.only}, machine=machine_info())
    print(f"setupflow benchmarks: {scale.sites} sites on {database}", flush=True)

    from .suite import run_all

    started = time.perf_counter()
    try:
        run_all(report, url, scale, quick=args.quick, workdir=workdir, only=args.only)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report.scale["seconds"] = round(time.perf_counter() - started, 1)
    print_table(report)

    out = args.output or Path(__file__).parent / "results" / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"scale": report.scale, "machine": report.machine,
                               "figures": [f.as_dict() for f in report.figures]}, indent=2))
    print(f"\nfigures written to {out} ({report.scale['seconds']} s)")
    failed = report.failed_assertions
    for f in failed:
        print(f"FAILED: {f.name} = {f.value} {f.unit}, target {f.target}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
