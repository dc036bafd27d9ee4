"""Support until opening: workstreams, immersion, the DUI and the opening date (routes.py)."""
