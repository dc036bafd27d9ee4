"""A person's calendar feed fetched by a new server process: ``python -m benchmarks.feed_process
URL TOKEN`` builds the feed route in a fresh interpreter (nothing kept in its memory, as
after a restart or a deployment) and prints the milliseconds and the CPU milliseconds of
its first request and of a second one, as JSON."""
from __future__ import annotations

import json
import sys
import time


def main(url: str, token: str) -> None:
    from flask import Flask

    from setupflow.db import make_engine, make_session_factory
    from setupflow.server_process import tune_collector_for_a_server
    from web.feeds import feeds_blueprint

    factory = make_session_factory(make_engine(url))
    app = Flask(__name__)
    app.register_blueprint(feeds_blueprint(factory))
    client = app.test_client()
    tune_collector_for_a_server()
    out = []
    for _ in range(2):
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(f"/feeds/{token}.ics")
        out.append({"ms": (time.perf_counter() - t0) * 1000, "cpu_ms": (time.process_time() - c0) * 1000,
                    "status": response.status_code, "bytes": len(response.data)})
    print(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:3])
