"""Committee meetings. The blueprint is created in routes.py; the package joins the
modules that add pages to it (each imports those before it, never the reverse)."""
from . import routes, meeting, records  # noqa: F401  (meeting: the meeting page; records: its minutes, decisions, action items)
