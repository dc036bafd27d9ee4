"""Programmes: editions, calls in steps, laureates, accompaniment and impact figures."""
