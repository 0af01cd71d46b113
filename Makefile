PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv test demo lint bench bench-targets bench-sweep bench-smoke bench-scale \
	bench-online bench-shared-start docs docs-missing sklearn-comparison clean chromium browser-check

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

# Benchmarks (benchmarks/, BENCHMARKS.md): each backend in its own venv under .bench/.
# `make bench` is the one complete run that regenerates BENCHMARKS.md (~45 min on 2 cores);
# bench-targets / bench-sweep run one part and write .bench/results/partial.{json,md}.
bench: venv
	$(PY) -m benchmarks.harness --profile $(BENCH_ARGS)

bench-targets: venv
	$(PY) -m benchmarks.harness --part targets $(BENCH_ARGS)

bench-sweep: venv
	$(PY) -m benchmarks.harness --part sweep $(BENCH_ARGS)

bench-smoke: venv
	$(PY) -m benchmarks.harness --smoke $(BENCH_ARGS)

# Our batch map and XPySom's from one shared start, epoch by epoch (under a minute)
bench-shared-start: venv
	$(PY) -m benchmarks.shared_start $(BENCH_ARGS)

# Streaming (10^7 x 50 memmap, 2 GB under .bench/scale/) and 2 ranks vs 1 (benchmarks/scale_out.py)
bench-scale: venv
	$(PY) -m benchmarks.scale_out $(SCALE_ARGS)

# The online rule against MiniSom's train, 16000×300 on a 25×15 map (several minutes)
bench-online: venv
	$(PY) -m benchmarks.online_rule $(BENCH_ARGS)

lint: venv
	$(VENV)/bin/ruff check torchsom tests benchmarks

test: venv lint
	MPLBACKEND=Agg $(PY) -m pytest -q -p no:cacheprovider --cov=torchsom --cov-report=term --cov-fail-under=90

demo: venv
	MPLBACKEND=Agg $(PY) -m torchsom demo --out demo-output

# The HTML report opened in headless Chromium (installed from Debian's packages when
# missing); the screenshot is kept under build/browser-check/
CHROMIUM ?= chromium

chromium:
	@command -v $(CHROMIUM) >/dev/null 2>&1 || { \
		echo "installing chromium from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends chromium fonts-liberation >/dev/null; }

browser-check: venv chromium
	TORCHSOM_BROWSER_CHECK=1 TORCHSOM_CHROMIUM=$(CHROMIUM) MPLBACKEND=Agg \
		$(PY) -m pytest -q -p no:cacheprovider tests/browser

docs: venv
	$(PY) docs/scripts/render_notebook.py notebooks/clustering.ipynb docs/tutorials/clustering.md

# the measured comparison of docs/sklearn.md (about 2-4 minutes on 2 cores)
sklearn-comparison: venv
	$(PY) docs/scripts/sklearn_comparison.py

# The imputation comparison quoted in docs/missing_values.md (a few minutes)
docs-missing: venv
	$(PY) docs/scripts/missing_values_comparison.py

clean:
	rm -rf $(VENV) .bench demo-output build .pytest_cache .coverage
