"""A person's notifications and mail preferences. The blueprint is created in
routes.py; preferences.py (reached from an e-mail, no account needed) adds its pages to
it, importing routes, never the reverse."""
from . import routes, preferences  # noqa: F401
