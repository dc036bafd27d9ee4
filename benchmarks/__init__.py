"""Reproducible figures for setupflow: `python -m benchmarks [--quick] [--database URL]`.

Each benchmark measures in the same run everything it compares, repeats its timings
and reports the median with the spread. Statement counts are asserted (they are
stable); times are reported, never asserted.
"""
