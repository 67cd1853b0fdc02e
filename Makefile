# Every target sets up .venv itself, so each works as the first command on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
APT_STAMP := $(VENV)/.apt-installed

LINT_PATHS := src bench adapters reports tests benchmarks scripts

.PHONY: demo test test-fast lint check bench mutate setup clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip setuptools wheel
	$(PY) -m pip install -e '.[all,ray,dev]'
	touch $(STAMP)

# Debian packages the tests need: chromium for the report test, opencv-doc for a second real face.
$(APT_STAMP):
	@if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = "0" ]; then \
	  (test -x /usr/bin/chromium && test -f /usr/share/doc/opencv-doc/examples/data/messi5.jpg && test -d /usr/share/fonts/opentype/noto) || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium opencv-doc fonts-noto-cjk >/dev/null) || \
	  echo "warning: apt-get could not install chromium/opencv-doc/fonts-noto-cjk; tests that need them will skip"; \
	fi
	mkdir -p $(VENV) && touch $(APT_STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/vidbench demo

# The gates first (lint, format, types, module and function sizes), then the tests on two
# workers (tests/scheduling.py: the Ray tests share one worker, and so do the tests reading the
# installed wheel's demo run; the longest tests start first), the 20 slowest listed at the end.
PYTEST_WORKERS ?= 2
test: $(STAMP) $(APT_STAMP) lint
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadgroup --durations=20

# The inner loop: unit tests only, no end-to-end runs, soaks, browsers, Ray or the unit tests
# of a second or more (`heavy`, listed in tests/heavy_tests.txt by scripts/heavy_tests.py).
test-fast: $(STAMP)
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadgroup --durations=10 \
	  -m "not slow and not reliability and not browser and not ray and not heavy" \
	  --ignore=tests/e2e --ignore=tests/reliability

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/mypy
	$(PY) scripts/code_health.py --check

check: test

bench: $(STAMP)
	$(PY) benchmarks/orchestration.py
	$(PY) benchmarks/sim_latency.py
	$(PY) benchmarks/scoring.py
	$(PY) benchmarks/reports.py
	$(PY) benchmarks/history.py
	$(PY) benchmarks/judge_overlap.py
	$(PY) benchmarks/demo.py

# Mutation testing of the core modules (not part of `test`: minutes of CPU, run nice'd, one
# module at a time). MODULES=bench/retry.py limits it; docs/testing.md explains the figures.
mutate: $(STAMP)
	$(PY) scripts/mutate.py $(MODULES)

clean:
	rm -rf $(VENV) runs
