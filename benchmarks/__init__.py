"""Benchmark harness: torchsom against torchsom 1.3.1, MiniSom and XPySom.

Run it with ``make bench`` (full) or ``make bench-smoke`` (one tiny configuration through
every backend). See ``BENCHMARKS.md`` for the results and ``benchmarks/harness.py`` for the
options.
"""
