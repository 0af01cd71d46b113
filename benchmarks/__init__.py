"""Benchmark harness: torchsom against torchsom 1.3.1, MiniSom and XPySom.

``make bench`` runs everything once and regenerates ``BENCHMARKS.md`` from that run;
``make bench-smoke`` pushes one tiny configuration through every backend and one tiny
sweep point (CI). ``python -m benchmarks.harness --help`` lists the options.

Modules, one concern each:

* ``harness``: the command line, what a run selects, the results document;
* ``configs`` / ``sweep``: what is measured (whole-fit configurations; per-step sweep
  points, their sizing and the floor arithmetic);
* ``entries`` / ``sweep_run``: running them (runner processes, interleaving, restarts);
* ``supervise``: child processes with pinned threads, timeouts, memory and point caps;
* ``probes``: matmul/BMU/import probes, CPU model and flags, repository state;
* ``merging``: several runs folded into ``benchmarks/results/merged.*`` (never
  ``BENCHMARKS.md``);
* ``report`` and ``report_*``: the markdown, built section by section;
* ``runners/``: the scripts that run inside each backend's virtual environment.
"""
