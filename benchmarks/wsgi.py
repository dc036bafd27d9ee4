"""The WSGI app gunicorn serves for the page benchmarks: the real application on the
benchmark database, with the clock fixed at the dataset's ``NOW`` and plain-HTTP cookies,
in a process tuned as ``web.wsgi`` tunes production workers."""
from __future__ import annotations

import os
from pathlib import Path

from setupflow.server_process import tune_collector_for_a_server

from .pages import make_app

app = make_app(os.environ["SETUPFLOW_DATABASE_URL"], Path(os.environ["SETUPFLOW_DATA_DIR"]))
tune_collector_for_a_server()  # as web.wsgi does in production
