"""Calls for expressions of interest and applications. The blueprint is created in
routes.py (the calls); applications.py adds applications, files, scores and selection
to it, and outcome.py the close as unsuccessful, importing routes, never the reverse."""
from . import routes, applications, outcome  # noqa: F401
