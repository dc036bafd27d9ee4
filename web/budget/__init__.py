"""The forecast budget of a site: its lines, totals and history (routes.py)."""
