"""The production WSGI entry point: ``gunicorn 'web.wsgi:app'``.

The application from the environment's settings (``SETUPFLOW_DATABASE_URL``,
``SETUPFLOW_SECRET_KEY``...), in a process tuned as a long-running server
(``setupflow.server_process.tune_collector_for_a_server``).
"""
from __future__ import annotations

from setupflow.server_process import tune_collector_for_a_server

from . import create_app

app = create_app()
tune_collector_for_a_server()
