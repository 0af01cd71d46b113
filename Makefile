PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv test demo lint bench bench-smoke bench-online docs docs-missing clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

# Benchmarks (benchmarks/, BENCHMARKS.md): each backend in its own venv under .bench/
bench: venv
	$(PY) -m benchmarks.harness --profile $(BENCH_ARGS)

bench-smoke: venv
	$(PY) -m benchmarks.harness --smoke $(BENCH_ARGS)

# The online rule against MiniSom's train, 16000×300 on a 25×15 map (several minutes)
bench-online: venv
	$(PY) -m benchmarks.online_rule $(BENCH_ARGS)

lint: venv
	$(VENV)/bin/ruff check torchsom tests benchmarks

test: venv lint
	MPLBACKEND=Agg $(PY) -m pytest -q -p no:cacheprovider --cov=torchsom --cov-report=term --cov-fail-under=90

demo: venv
	MPLBACKEND=Agg $(PY) -m torchsom demo --out demo-output

docs: venv
	$(PY) docs/scripts/render_notebook.py notebooks/clustering.ipynb docs/tutorials/clustering.md

# The imputation comparison quoted in docs/missing_values.md (a few minutes)
docs-missing: venv
	$(PY) docs/scripts/missing_values_comparison.py

clean:
	rm -rf $(VENV) .bench demo-output .pytest_cache .coverage
