"""The diagnostic of a site: sources, aggregates, interviews, conclusions (routes.py)."""
